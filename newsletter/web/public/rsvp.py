"""Answer to an AG invitation from the signed link of the e-mail: yes, no or a proxy."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.i18n import N_
from newsletter.models import RsvpChoice
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import remember_reader, request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()

THANKS = {
    RsvpChoice.yes: N_("Thank you, your registration is recorded. See you there!"),
    RsvpChoice.no: N_("Thank you for letting us know you cannot come."),
    RsvpChoice.proxy: N_("Thank you: your organisation's proxy is recorded."),
}


def _for_reader(request: Request, service: ServiceDep, subscriber_id: int) -> None:
    remember_reader(request, service.audience.get_subscriber(subscriber_id).language)


@router.get("/rsvp/{token}")
def rsvp_page(request: Request, service: ServiceDep, token: str) -> Response:
    target = service.rsvp.target(token)
    request.session["reader"] = target.subscriber_id  # members-only issues of the archive
    _for_reader(request, service, target.subscriber_id)
    return render(request, "public/rsvp.html", target=target, token=token)


@router.post("/rsvp/{token}")
def rsvp_answer(
    request: Request,
    service: ServiceDep,
    token: str,
    answer: str = Form(""),
    attending: str = Form(""),
    people: int = Form(1),
    proxy_to: str = Form(""),
    comment: str = Form(""),
) -> Response:
    given = answer or attending
    _for_reader(request, service, service.rsvp.target(token).subscriber_id)
    if given not in {choice.value for choice in RsvpChoice}:
        target = service.rsvp.target(token)
        error = t(request, "Please say whether you will come.")
        return render(
            request, "public/rsvp.html", status_code=400, target=target, token=token, error=error
        )
    choice = RsvpChoice(given)
    holder = int(proxy_to) if proxy_to.strip().isdigit() else None
    try:
        service.rsvp.answer(token, choice, people, comment, proxy_to=holder)
    except NewsletterError as error:
        target = service.rsvp.target(token)
        return render(
            request, "public/rsvp.html", status_code=400, target=target, token=token,
            error=error.localized(request_language(request)),
        )  # fmt: skip
    return redirect(f"/rsvp/{token}", t(request, THANKS[choice]), request)
