"""Feeds partners can embed: iCalendar of upcoming AGs and events, Atom of sent issues."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar, Event
from sqlalchemy import select

from newsletter import links, versions
from newsletter.context import Context
from newsletter.i18n import gettext
from newsletter.models import IssueStatus, NewsStatus
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly, Issue, NewsItem
from newsletter.xmltext import xml_text

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_ISSUES = 30


def _add(event: Calendar | Event, name: str, value: object) -> None:
    """An iCalendar property; text goes through ``xml_text`` (no control characters) and
    only a description keeps its line breaks (escaped by icalendar)."""
    if isinstance(value, str):
        value = xml_text(value)
        if name != "description":
            value = " ".join(value.splitlines())
    event.add(name, value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """An Atom element whose text and attributes are XML-safe."""
    safe = {key: xml_text(value) for key, value in attrib.items()}
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", safe)
    if text is not None:
        element.text = xml_text(text)
    return element


class FeedsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _host(self) -> str:
        return self.ctx.settings.base_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"

    def calendar(self, lang: str = "fr") -> bytes:
        """Upcoming (and recent, one week back) AGs and approved events, as iCalendar, each
        in its ``lang`` version (else the other one)."""
        settings = self.ctx.settings
        since = utcnow() - timedelta(days=7)
        cal = Calendar()
        _add(cal, "prodid", "-//newsletter//agenda//FR")
        _add(cal, "version", "2.0")
        _add(cal, "calscale", "GREGORIAN")
        _add(cal, "x-wr-calname", settings.organisation_name_in(lang))
        _add(cal, "x-wr-timezone", settings.timezone)
        with self.ctx.db.session() as session:
            for assembly in session.scalars(
                select(Assembly).where(Assembly.starts_at >= since).order_by(Assembly.starts_at)
            ):
                event = Event()
                _add(event, "uid", assembly.uid)
                _add(event, "sequence", assembly.sequence)
                shown = versions.shown_language(assembly, lang)
                _add(event, "summary", versions.field_in(assembly, "title", shown))
                _add(event, "dtstart", assembly.starts_at)
                _add(event, "dtend", assembly.ends_at or assembly.starts_at + timedelta(hours=3))
                _add(event, "dtstamp", assembly.updated_at)
                location = versions.pick(assembly, "place", shown) or assembly.video_url
                if location:
                    _add(event, "location", location)
                if assembly.video_url:
                    _add(event, "url", assembly.video_url)
                points = versions.pick(assembly, "agenda", shown) or []
                agenda = "\n".join(f"- {item}" for item in points)
                if agenda:
                    _add(event, "description", agenda)
                _add(event, "status", "CANCELLED" if assembly.cancelled else "CONFIRMED")
                cal.add_component(event)
            news = select(NewsItem).where(
                NewsItem.event_start.is_not(None),
                NewsItem.event_start >= since,
                NewsItem.status.in_([NewsStatus.approved, NewsStatus.published]),
            )
            for item in session.scalars(news.order_by(NewsItem.event_start)):
                assert item.event_start is not None
                event = Event()
                _add(event, "uid", f"news-{item.id}@{self._host()}")
                shown = versions.shown_language(item, lang)
                _add(event, "summary", versions.field_in(item, "title", shown))
                _add(event, "dtstart", item.event_start)
                _add(event, "dtend", item.event_end or item.event_start + timedelta(hours=2))
                _add(event, "dtstamp", item.updated_at)
                place = versions.pick(item, "event_place", shown)
                if place:
                    _add(event, "location", place)
                if item.link:
                    _add(event, "url", item.link)
                organiser = item.organisation_name
                if organiser:
                    _add(event, "description", organiser)
                cal.add_component(event)
        ical: bytes = cal.to_ical()
        return ical

    def published_issues(self, limit: int | None = None) -> list[Issue]:
        """Sent issues, newest first (public and members-only alike; callers filter)."""
        with self.ctx.db.session() as session:
            query = (
                select(Issue)
                .where(Issue.status == IssueStatus.sent)
                .order_by(Issue.sent_at.desc(), Issue.id.desc())
            )
            if limit:
                query = query.limit(limit)
            return list(session.scalars(query))

    def atom(self, lang: str = "fr") -> bytes:
        """Atom feed of the public sent issues, linking to their web versions; titles and
        summaries in the ``lang`` version (else the other, marked with its language)."""
        settings = self.ctx.settings
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
        _sub(feed, "title", settings.organisation_name_in(lang))
        base = settings.base_url.rstrip("/")
        _sub(feed, "id", f"{base}/archive")
        _sub(feed, "link", rel="self", href=f"{base}/feeds/issues.atom?lang={lang}")
        _sub(feed, "link", rel="alternate", href=f"{base}/archive")
        issues = [i for i in self.published_issues(FEED_ISSUES) if i.public]
        updated = max((i.sent_at or i.updated_at for i in issues), default=utcnow())
        _sub(feed, "updated", updated.isoformat())
        _sub(_sub(feed, "author"), "name", settings.organisation_name_in(lang))
        for issue in issues:
            shown = versions.shown_language(issue, lang)
            entry = _sub(feed, "entry")
            if shown != lang:
                entry.set(XML_LANG, shown)
            title = versions.field_in(issue, "title", shown)
            number = gettext(lang, "No. %(n)s") % {"n": issue.number}
            _sub(entry, "title", f"{number} — {title}")
            # the id stays the same in both feeds; the link opens the reader's version
            _sub(entry, "id", links.web_version_url(settings, issue.id))
            _sub(
                entry, "link", rel="alternate", href=links.web_version_url(settings, issue.id, lang)
            )
            stamp = (issue.sent_at or issue.updated_at).isoformat()
            _sub(entry, "updated", stamp)
            _sub(entry, "published", stamp)
            introduction = str(versions.field_in(issue, "introduction", shown))
            if introduction:
                _sub(entry, "summary", introduction[:1000])
        document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        return document
