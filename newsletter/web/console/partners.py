"""Personal submission links of the member organisations: show, send, revoke."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.web.pages import redirect, render, t

router = APIRouter()


@router.get("/partners")
def partners(request: Request, show: int | None = None) -> Response:
    service = request.app.state.service
    organisations = service.partners.organisations()
    shown_url = service.partners.url(show) if show is not None else None
    return render(
        request,
        "console/partners.html",
        section="partners",
        organisations=organisations,
        shown=show,
        shown_url=shown_url,
    )


@router.post("/partners/{organisation_id}/revoke")
def revoke(request: Request, organisation_id: int) -> Response:
    request.app.state.service.partners.revoke(organisation_id)
    message = t(request, "The old link no longer works. Here is the new one.")
    return redirect(
        f"/console/partners?show={organisation_id}#org-{organisation_id}", message, request
    )
