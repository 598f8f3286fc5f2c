"""The filters of the console's lists as the query string carries them (GET forms: a
filtered list has its own address, to bookmark or send, and works without JavaScript)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode

from newsletter.errors import ValidationError
from newsletter.i18n import N_

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
