"""The iCalendar feed of upcoming AGs and events, and the Atom feed of issues."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.web.deps import ServiceDep

router = APIRouter()


@router.get("/feeds/agenda.ics")
def agenda(request: Request, service: ServiceDep) -> Response:
    body = service.feeds.calendar()
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/feeds/issues.atom")
def issues(request: Request, service: ServiceDep) -> Response:
    body = service.feeds.atom()
    return Response(body, media_type="application/atom+xml; charset=utf-8")
