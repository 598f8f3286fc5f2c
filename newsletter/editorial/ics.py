"""The calendar file (.ics) of an AG invitation.

The UID is the assembly's stable ``uid`` and SEQUENCE its update counter, so a calendar
that imported an earlier invitation updates the entry when the date changes. Times are
written in the configured zone (Europe/Brussels) with its VTIMEZONE.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vText

from newsletter import versions
from newsletter.config import Settings
from newsletter.i18n import gettext
from newsletter.store.editorial import Assembly
from newsletter.xmltext import xml_text

DEFAULT_DURATION = timedelta(hours=3)


def assembly_ics(assembly: Assembly, settings: Settings, lang: str = "") -> bytes:
    """An iCalendar (RFC 5545) document with one VEVENT for the AG, its texts in the
    ``lang`` version (else the other one; no ``lang``: the original)."""
    shown = versions.shown_language(assembly, lang or versions.original_language(assembly))
    title = str(versions.field_in(assembly, "title", shown))
    place = str(versions.pick(assembly, "place", shown))
    theme = str(versions.pick(assembly, "theme", shown))
    agenda = [str(point) for point in versions.pick(assembly, "agenda", shown) or []]
    speakers = [
        ", ".join(part for part in (str(s.get("name", "")), str(s.get("organisation", ""))) if part)
        for s in versions.pick(assembly, "speakers", shown) or []
    ]
    zone = ZoneInfo(settings.timezone)
    calendar = Calendar()
    prodid = " ".join(xml_text(settings.organisation_name).splitlines())
    calendar.add("prodid", f"-//{prodid}//newsletter//{(lang or shown).upper()}")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", assembly.uid)
    event.add("sequence", assembly.sequence)
    event.add("dtstamp", assembly.updated_at or assembly.created_at)
    start = assembly.starts_at.astimezone(zone)
    event.add("dtstart", start)
    event.add("dtend", (assembly.ends_at or assembly.starts_at + DEFAULT_DURATION).astimezone(zone))
    event.add("summary", " ".join(xml_text(title).splitlines()))
    if place:
        event.add("location", vText(xml_text(place)))
    elif assembly.video_url:
        event.add("location", vText(xml_text(assembly.video_url)))
    if assembly.video_url:
        event.add("url", xml_text(assembly.video_url))
    lines = [theme] if theme else []
    lines += [f"{index}. {item}" for index, item in enumerate(agenda, start=1)]
    if speakers:
        lines += [f"{gettext(shown, 'Speakers')}:", *(f"- {speaker}" for speaker in speakers)]
    if assembly.video_url:
        lines.append(assembly.video_url)
    if lines:
        event.add("description", xml_text("\n".join(lines)))
    event.add("status", "CANCELLED" if assembly.cancelled else "CONFIRMED")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    # what ``calendar.add_missing_timezones()`` adds before the event, built once per zone
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(calendar.get_missing_tzids()))
    return data.replace(b"\r\nBEGIN:VEVENT\r\n", b"\r\n" + zones + b"BEGIN:VEVENT\r\n", 1)


@lru_cache(maxsize=8)
def _vtimezone(tzid: str) -> bytes:
    """The VTIMEZONE of a zone (icalendar: "this can take some time, cache the results");
    an unknown zone has none, as ``add_missing_timezones`` leaves it out."""
    try:
        zone: bytes = Timezone.from_tzid(tzid).to_ical()
    except ValueError:
        return b""
    return zone


def ics_filename(assembly: Assembly, settings: Settings, lang: str) -> str:
    """``AG-2027-01-01.ics`` in French, ``AV-2027-01-01.ics`` in Dutch (the AG's day)."""
    day = assembly.starts_at.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d")
    return gettext(lang, "GA-{day}.ics").format(day=day)
