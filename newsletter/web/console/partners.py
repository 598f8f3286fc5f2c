"""Personal submission links of the member organisations: show, send, revoke."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


@router.get("/partners")
def partners(request: Request, service: ServiceDep, show: int | None = None) -> Response:
    organisations = service.partners.organisations()
    shown_url = service.partners.url(show) if show is not None else None
    return render(
        request,
        "console/partners.html",
        section="partners",
        organisations=organisations,
        shown=show,
        shown_url=shown_url,
        send_enabled=True,
    )


@router.post("/partners/{organisation_id}/revoke")
def revoke(request: Request, service: ServiceDep, organisation_id: int) -> Response:
    service.partners.revoke(organisation_id)
    message = t(request, "The old link no longer works. Here is the new one.")
    return redirect(
        f"/console/partners?show={organisation_id}#org-{organisation_id}", message, request
    )


@router.post("/partners/{organisation_id}/send")
def send(request: Request, service: ServiceDep, organisation_id: int) -> Response:
    """E-mail the personal link to the organisation's active people."""
    target = f"/console/partners#org-{organisation_id}"
    try:
        sent = service.people.send_organisation_links(organisation_id)
    except NewsletterError as error:
        return redirect(target, error.localized(request_language(request)), request, kind="error")
    message = t(request, "Link sent to {emails}.", emails=", ".join(sent.sent_to))
    return redirect(target, message, request)
