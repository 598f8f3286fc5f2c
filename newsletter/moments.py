"""When something happens, written for a reader: day and time in the network's time zone.

One function for every place that shows an event's start and end (the issue e-mail, its
web version, the RSVP page and its confirmation mail), so a same-day AG reads
``jeudi 3 décembre 2026, 19:30–21:00`` everywhere.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time


def moment(value: datetime, timezone: str, lang: str) -> str:
    """``jeudi 3 décembre 2026, 19:30`` in ``timezone``."""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{format_date(local, 'full', locale=lang)}, {format_time(local, 'HH:mm', locale=lang)}"


def event_span(start: datetime, end: datetime | None, timezone: str, lang: str) -> str:
    """``jeudi 3 décembre 2026, 19:30–21:00``; an end on another day is written out."""
    if end is None or end <= start:
        return moment(start, timezone, lang)
    zone = ZoneInfo(timezone)
    if end.astimezone(zone).date() == start.astimezone(zone).date():
        until = format_time(end.astimezone(zone), "HH:mm", locale=lang)
        return f"{moment(start, timezone, lang)}–{until}"
    return f"{moment(start, timezone, lang)} – {moment(end, timezone, lang)}"
