"""Answer to an AG invitation from the signed link of the e-mail."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.web.deps import ServiceDep
from newsletter.web.pages import redirect, render, t

router = APIRouter()


@router.get("/rsvp/{token}")
def rsvp_page(request: Request, service: ServiceDep, token: str) -> Response:
    target = service.rsvp.target(token)
    request.session["reader"] = target.subscriber_id  # members-only issues of the archive
    return render(request, "public/rsvp.html", target=target, token=token)


@router.post("/rsvp/{token}")
def rsvp_answer(
    request: Request,
    service: ServiceDep,
    token: str,
    attending: str = Form(""),
    people: int = Form(1),
    comment: str = Form(""),
) -> Response:
    if attending not in ("yes", "no"):
        target = service.rsvp.target(token)
        error = t(request, "Please say whether you will come.")
        return render(
            request, "public/rsvp.html", status_code=400, target=target, token=token, error=error
        )
    coming = attending == "yes"
    service.rsvp.answer(token, coming, people, comment)
    message = (
        t(request, "Thank you, your registration is recorded. See you there!")
        if coming
        else t(request, "Thank you for letting us know you cannot come.")
    )
    return redirect(f"/rsvp/{token}", message, request)
