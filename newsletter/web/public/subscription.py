"""Subscribe with double opt-in, confirm, and the preferences page of a subscriber."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter import links
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, known_language
from newsletter.web.auth import client_ip
from newsletter.web.deps import ServiceDep, get_service
from newsletter.web.lang import remember_reader, request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    return redirect("/archive")


@router.get("/subscribe")
def subscribe_page(request: Request) -> Response:
    return render(request, "public/subscribe.html", email="", name="", sent=False)


@router.post("/subscribe")
def subscribe(
    request: Request,
    service: ServiceDep,
    email: str = Form(""),
    name: str = Form(""),
    language: str = Form("fr"),
    consent: str = Form(""),
) -> Response:
    """The same answer for any address; the e-mail, if any, leaves from another thread."""
    errors: list[str] = []
    if not consent:
        errors.append(t(request, "Please tick the box to give your consent."))
    else:
        try:
            confirmation = service.subscriptions.request(
                email, name=name, language=known_language(language), client=client_ip(request),
                source="web form (consent given)",
            )  # fmt: skip
        except ValidationError as error:
            errors.append(error.localized(request_language(request)))
        else:
            service.subscriptions.send_later(confirmation)
            return render(request, "public/subscribe.html", sent=True,
                          email=confirmation.address)  # fmt: skip
    return render(
        request, "public/subscribe.html", status_code=400, errors=errors, email=email,
        name=name, sent=False,
    )  # fmt: skip


@router.get("/confirm/{token}")
def confirm(request: Request, service: ServiceDep, token: str) -> Response:
    subscriber = service.subscriptions.confirm(token, source="double opt-in (web)")
    remember_reader(request, subscriber.language)
    return render(
        request,
        "public/confirmed.html",
        email=subscriber.email,
        preferences=links.preferences_url(service.ctx.settings, subscriber.id),
    )


def _preferences_subscriber(request: Request, token: str) -> int:
    return get_service(request).tokens.preferences_subscriber(token)


@router.get("/preferences/{token}")
def preferences(request: Request, service: ServiceDep, token: str) -> Response:
    subscriber = service.audience.get_subscriber(_preferences_subscriber(request, token))
    request.session["reader"] = subscriber.id  # members-only issues of the archive
    remember_reader(request, subscriber.language)
    member_of = service.audience.lists_of(subscriber.id)
    infos, _errors = service.audience.lists()
    lists = [info for info in infos if info.id in member_of]
    base = service.ctx.settings.base_url.rstrip("/")
    assemblies = [
        (a, service.rsvp.url(a.id, subscriber.id).removeprefix(base))
        for a in service.console.assemblies(upcoming_only=True)
        if not a.cancelled
    ]
    modes = service.list_digests.modes(subscriber.id)
    digests = [(info, modes[info.id].value) for info in lists if info.id in modes]
    return render(
        request,
        "public/preferences.html",
        subscriber=subscriber,
        lists=lists,
        digests=digests,
        assemblies=assemblies,
        token=token,
        unsubscribe=links.unsubscribe_url(service.ctx.settings, subscriber.id),
    )


@router.post("/preferences/{token}")
def save_preferences(
    request: Request,
    service: ServiceDep,
    token: str,
    language: str = Form("fr"),
    lists: list[str] = Form([]),
    digest: list[str] = Form([]),
) -> Response:
    subscriber_id = _preferences_subscriber(request, token)
    kept = set(lists)
    subscriber = service.audience.get_subscriber(subscriber_id)
    if language in LANGUAGES and language != subscriber.language:
        service.audience.choose_language(subscriber_id, language)
    remember_reader(request, language if language in LANGUAGES else subscriber.language)
    for list_id in service.audience.lists_of(subscriber_id):
        if list_id in kept and list_id in subscriber.lists_left:
            service.audience.resubscribe_list(subscriber_id, list_id)
        elif list_id not in kept and list_id not in subscriber.lists_left:
            service.audience.unsubscribe(subscriber_id, list_id=list_id, source="preferences")
    member_of = set(service.audience.lists_of(subscriber_id))
    modes = service.list_digests.modes(subscriber_id)
    for choice in digest:  # "list:mode", for the lists that take posts
        list_id, _, mode = choice.partition(":")
        if list_id in member_of and list_id in modes and mode != modes[list_id].value:
            service.list_digests.choose(subscriber_id, list_id, mode)
    return redirect(f"/preferences/{token}", t(request, "Your preferences are saved."), request)
