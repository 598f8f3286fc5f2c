"""Rendering of the UI templates with the reader's language, dates and CSRF token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsletter import moments, versions
from newsletter.i18n import gettext, ngettext
from newsletter.web.deps import get_service
from newsletter.web.lang import request_language
from newsletter.web.security import CSRF_FIELD, csrf_token, flash, pop_flashes
from newsletter.xmltext import finalize

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.autoescape = True
    templates.env.finalize = finalize  # no XML-illegal control character reaches a page
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def translator(lang: str) -> Any:
    def _(message: str, **params: Any) -> str:
        text = gettext(lang, message)
        return text.format(**params) if params else text

    return _


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    """What every template gets: ``_``, ``lang``, ``csrf_field``, dates, flashes, account."""
    lang = request_language(request)
    settings = get_service(request).ctx.settings
    zone = ZoneInfo(settings.timezone)

    def fmt_datetime(value: datetime | None, style: str = "long") -> str:
        if value is None:
            return ""
        pattern = "EEEE d MMMM y, HH:mm" if style == "long" else "d MMM y, HH:mm"
        return format_datetime(value.astimezone(zone), pattern, locale=lang)

    def fmt_span(start: datetime, end: datetime | None) -> str:
        """An event's start and end as the e-mail writes them (``19:30–21:00`` on one day)."""
        return moments.event_span(start, end, settings.timezone, lang)

    def fmt_date(value: datetime | None) -> str:
        return "" if value is None else format_date(value.astimezone(zone), "d MMMM y", locale=lang)

    def fmt_local_input(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    def url_with(**params: Any) -> str:
        query = dict(request.query_params)
        query.update({k: str(v) for k, v in params.items() if v is not None})
        return f"{request.url.path}?{urlencode(query)}"

    def versioned(record: Any, name: str, reader: str | None = None) -> Any:
        """A field of content in the reader's version (the page's language), else the
        other version's."""
        chosen = versions.shown_language(record, reader or lang)
        return versions.field_in(record, name, chosen) or versions.pick(record, name, chosen)

    context: dict[str, Any] = {
        "request": request,
        "versioned": versioned,
        "lang": lang,
        "_": translator(lang),
        "nplural": lambda s, p, n: ngettext(lang, s, p, n).format(n=n),
        "csrf_name": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "account": getattr(request.state, "account", None),
        "site_name": settings.organisation_name_in(lang),
        "fmt_datetime": fmt_datetime,
        "fmt_date": fmt_date,
        "fmt_span": fmt_span,
        "fmt_local_input": fmt_local_input,
        "url_with": url_with,
    }
    context.update(values)
    return context


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, page_context(request, **values), status_code=status_code
    )


def t(request: Request, message: str, **params: Any) -> str:
    """``message`` in the language of the page being served."""
    return str(translator(request_language(request))(message, **params))


def redirect(url: str, message: str | None = None, request: Request | None = None,
             kind: str = "success") -> RedirectResponse:  # fmt: skip
    """A 303 redirect (after a POST), optionally with a flash message for the next page."""
    if message and request is not None:
        flash(request, message, kind)
    return RedirectResponse(url, status_code=303)
