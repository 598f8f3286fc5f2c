"""The iCalendar feed of upcoming AGs and events, and the Atom feed of issues."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.i18n import known_language
from newsletter.web.deps import ServiceDep

router = APIRouter()


@router.get("/feeds/agenda.ics")
def agenda(request: Request, service: ServiceDep, lang: str = "fr") -> Response:
    """The calendar in French, or in Dutch with ``?lang=nl`` (each entry in that version,
    else the other)."""
    body = service.feeds.calendar(known_language(lang))
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/feeds/issues.atom")
def issues(request: Request, service: ServiceDep, lang: str = "fr") -> Response:
    body = service.feeds.atom(known_language(lang))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
