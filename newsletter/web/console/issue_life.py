"""An issue's life in the console: back to draft, duplicate, cancel (confirmed), tests."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_, known_language
from newsletter.web.console.composer_form import ComposerDep
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


@router.post("/issues/{issue_id}/draft")
def back_to_draft(request: Request, service: ServiceDep, issue_id: int) -> Response:
    """Unschedule (planned time and lists kept), or take back a paused send that
    delivered nothing yet."""
    try:
        service.issue_life.back_to_draft(issue_id)
    except NewsletterError as error:
        return _fail(request, f"/console/issues/{issue_id}/sending", error)
    message = t(request, "The issue is a draft again: edit it, then schedule or send it.")
    return redirect(f"/console/issues/{issue_id}", message, request)


@router.post("/issues/{issue_id}/duplicate")
def duplicate(
    request: Request, service: ServiceDep, issue_id: int, fields: ComposerDep
) -> Response:
    """A new draft from this issue (from the composer: with what was just typed)."""
    try:
        fields.save_first(service, issue_id)
        copy = service.issue_life.duplicate(issue_id)
    except NewsletterError as error:
        return _fail(request, "/console/issues", error)
    message = t(request, "Copy created: issue no. {n}, a draft.", n=copy.number)
    return redirect(f"/console/issues/{copy.id}", message, request)


@router.post("/issues/{issue_id}/cancel")
def cancel(
    request: Request, service: ServiceDep, issue_id: int, confirm: str = Form("")
) -> Response:
    """Cancel, once the coordinator confirmed having read what it means."""
    url = f"/console/issues/{issue_id}/sending"
    try:
        if confirm != "yes":
            raise ValidationError(N_("Tick the box to confirm the cancellation."))
        service.delivery.cancel(issue_id)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Sending cancelled: nothing more will go out."), request)


@router.post("/issues/{issue_id}/test")
def test_send(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    fields: ComposerDep,
    email: str = Form(""),
    lang: str = Form("fr"),
    membership: str = Form("effectif"),
) -> Response:
    """The exact message of such a reader, marked "[TEST] ", to each address given."""
    url = f"/console/issues/{issue_id}#send"
    try:
        fields.save_first(service, issue_id)
        sent = service.issue_life.send_test(
            issue_id, email, language=known_language(lang), membership=membership
        )
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Test sent to {email}.", email=", ".join(sent)), request)
