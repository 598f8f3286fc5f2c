"""The filters of the console's lists as the query string carries them (GET forms: a
filtered list has its own address, to bookmark or send, and works without JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Generic, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.service.search import IssueFilter, NewsFilter
from newsletter.web.lang import request_language

W = TypeVar("W", NewsFilter, IssueFilter)
R = TypeVar("R")

#: the query parameters of the news queue and of the issues list
NEWS_KEYS = ("q", "status", "organisation", "category", "since", "until", "page")
ISSUE_KEYS = ("q", "status", "since", "until", "page")


def day(value: str) -> date | None:
    """A day as a date field sends it (``2026-12-01``); empty: no limit."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(N_("Not a date: use the calendar of the field.")) from None


def page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


def kept_query(query: str, keys: tuple[str, ...]) -> str:
    """A list's query string, reduced to its own parameters (to come back to it)."""
    pairs = [(k, v[:300]) for k, v in parse_qsl(query[:2000]) if k in keys]
    return urlencode(pairs)


@dataclass(frozen=True)
class Listing(Generic[W, R]):
    """A console list as its query string asks for it."""

    wanted: W
    found: R
    #: why the days typed were refused (the list is then shown without them)
    error: str | None
    #: what the filter form shows again
    values: dict[str, str]
    #: words or days were typed (the list's own filters come on top)
    typed: bool


def read_listing(
    request: Request, wanted: W, search: Callable[[W], R], *, q: str, since: str, until: str,
    page: str,
) -> Listing[W, R]:  # fmt: skip
    """``search`` for ``wanted`` with the words, days and page of the query string; days
    that are not days: the list without them, and the error to show."""
    error = None
    wanted = replace(wanted, text=q[:300], page=page_number(page))
    try:
        wanted = replace(wanted, since=day(since), until=day(until))
        found = search(wanted)
    except NewsletterError as failure:
        error = failure.localized(request_language(request))
        found = search(replace(wanted, since=None, until=None))
    values = {"q": q[:300], "since": since[:10], "until": until[:10]}
    return Listing(wanted, found, error, values, typed=bool(q.strip() or since or until))
