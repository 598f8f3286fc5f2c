"""A sender's link to one news item they sent: its state and history, and the form to
correct it in place while the coordination asks for changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.service.submissions import NewsForm
from newsletter.web.deps import ServiceDep
from newsletter.web.forms import local_datetime
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


def _local(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _page(
    request: Request,
    service: ServiceDep,
    token: str,
    values: dict[str, str] | None = None,
    error: str | None = None,
    sent: bool = False,
) -> Response:
    item = service.partner_items.item(service.tokens.news_item(token))
    zone = service.ctx.settings.timezone
    again = "/submit"
    if item.organisation_id is not None:
        again = "/submit/" + service.partners.url(item.organisation_id).rsplit("/", 1)[1]
    shown = values or {
        "title": item.title, "body": item.body, "category": item.category,
        "language": item.language, "link": item.link,
        "event_start": _local(item.event_start, zone), "event_end": _local(item.event_end, zone),
        "event_place": item.event_place, "image_alt": item.image_alt,
    }  # fmt: skip
    return render(
        request, "public/news_item.html", status_code=400 if error else 200, item=item,
        values=shown, error=error, sent=sent, again=again, action=f"/news-item/{token}",
        categories=service.ctx.settings.categories,
    )  # fmt: skip


@router.get("/news-item/{token}")
def news_item(request: Request, service: ServiceDep, token: str, sent: str = "") -> Response:
    return _page(request, service, token, sent=sent == "1")


@router.post("/news-item/{token}")
def correct(
    request: Request,
    service: ServiceDep,
    token: str,
    title: str = Form(""), body: str = Form(""), category: str = Form(""),
    link: str = Form(""), language: str = Form("fr"), event_start: str = Form(""),
    event_end: str = Form(""), event_place: str = Form(""), image_alt: str = Form(""),
) -> Response:  # fmt: skip
    """The corrected version: the same item, back in the coordination's queue."""
    news_id = service.tokens.news_item(token)
    values = dict(title=title, body=body, category=category, link=link, language=language,
                  event_start=event_start, event_end=event_end, event_place=event_place,
                  image_alt=image_alt)  # fmt: skip
    zone = service.ctx.settings.timezone
    try:
        form = NewsForm(
            title=title, body=body, category=category, sender="", organisation="",
            link=link.strip(), language=language,
            event_start=local_datetime(event_start, zone),
            event_end=local_datetime(event_end, zone),
            event_place=event_place, image_alt=image_alt,
        )  # fmt: skip
        service.partner_items.correct(news_id, form)
    except NewsletterError as error:
        return _page(request, service, token, values, error.localized(request_language(request)))
    message = t(request, "Thank you: your corrected news is back with the coordination.")
    return redirect(f"/news-item/{token}", message, request)
