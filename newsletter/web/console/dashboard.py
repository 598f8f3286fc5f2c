"""Dashboard: queue counts, next scheduled send, last issue's delivery figures."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.web.pages import render

router = APIRouter()


@router.get("/")
def dashboard(request: Request) -> Response:
    service = request.app.state.service
    partners = service.partners.organisations()
    return render(
        request,
        "console/dashboard.html",
        section="dashboard",
        organisations=len(partners),
    )
