"""Unsubscribe: GET shows a one-button page; POST unsubscribes at once (RFC 8058).

The POST needs neither login nor CSRF token: a mail client sends
``List-Unsubscribe=One-Click`` to the URL of the ``List-Unsubscribe`` header, and the
signed token in the URL is the proof. The button of the page posts to the same URL.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter import links
from newsletter.errors import NewsletterError
from newsletter.web.deps import ServiceDep, get_service
from newsletter.web.lang import remember_reader
from newsletter.web.pages import render

router = APIRouter()
one_click = APIRouter()


def _subscriber_id(request: Request, token: str) -> int:
    return get_service(request).tokens.unsubscribe_subscriber(token)


@router.get("/u/{token}")
def unsubscribe_page(request: Request, service: ServiceDep, token: str) -> Response:
    subscriber = service.audience.get_subscriber(_subscriber_id(request, token))
    remember_reader(request, subscriber.language)
    return render(
        request,
        "public/unsubscribe.html",
        email=subscriber.email,
        already=subscriber.status == "unsubscribed",
        preferences=links.preferences_url(service.ctx.settings, subscriber.id),
        token=token,
        done=False,
    )


@one_click.post("/u/{token}")
def unsubscribe_now(request: Request, token: str) -> Response:
    service = get_service(request)
    subscriber_id = _subscriber_id(request, token)
    list_id = service.tokens.unsubscribe_list(token)  # a mailing list's link: that list only
    try:
        service.audience.unsubscribe(subscriber_id, list_id=list_id, source="one-click")
    except NewsletterError:
        raise
    subscriber = service.audience.get_subscriber(subscriber_id)
    remember_reader(request, subscriber.language)
    return render(
        request,
        "public/unsubscribe.html",
        email=subscriber.email,
        already=False,
        preferences=links.preferences_url(service.ctx.settings, subscriber.id),
        token=token,
        done=True,
    )
