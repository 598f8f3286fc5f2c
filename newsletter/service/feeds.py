"""Feeds partners can embed: iCalendar of upcoming AGs and events, Atom of sent issues."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar, Event
from sqlalchemy import select

from newsletter import links
from newsletter.context import Context
from newsletter.models import IssueStatus, NewsStatus
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly, Issue, NewsItem

ATOM = "http://www.w3.org/2005/Atom"
FEED_ISSUES = 30


class FeedsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _host(self) -> str:
        return self.ctx.settings.base_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"

    def calendar(self) -> bytes:
        """Upcoming (and recent, one week back) AGs and approved events, as iCalendar."""
        settings = self.ctx.settings
        since = utcnow() - timedelta(days=7)
        cal = Calendar()
        cal.add("prodid", "-//newsletter//agenda//FR")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", settings.organisation_name)
        cal.add("x-wr-timezone", settings.timezone)
        with self.ctx.db.session() as session:
            for assembly in session.scalars(
                select(Assembly).where(Assembly.starts_at >= since).order_by(Assembly.starts_at)
            ):
                event = Event()
                event.add("uid", assembly.uid)
                event.add("sequence", assembly.sequence)
                event.add("summary", assembly.title)
                event.add("dtstart", assembly.starts_at)
                event.add("dtend", assembly.ends_at or assembly.starts_at + timedelta(hours=3))
                event.add("dtstamp", assembly.updated_at)
                location = assembly.place or assembly.video_url
                if location:
                    event.add("location", location)
                if assembly.video_url:
                    event.add("url", assembly.video_url)
                agenda = "\n".join(f"- {item}" for item in assembly.agenda or [])
                if agenda:
                    event.add("description", agenda)
                event.add("status", "CANCELLED" if assembly.cancelled else "CONFIRMED")
                cal.add_component(event)
            news = select(NewsItem).where(
                NewsItem.event_start.is_not(None),
                NewsItem.event_start >= since,
                NewsItem.status.in_([NewsStatus.approved, NewsStatus.published]),
            )
            for item in session.scalars(news.order_by(NewsItem.event_start)):
                assert item.event_start is not None
                event = Event()
                event.add("uid", f"news-{item.id}@{self._host()}")
                event.add("summary", item.title)
                event.add("dtstart", item.event_start)
                event.add("dtend", item.event_end or item.event_start + timedelta(hours=2))
                event.add("dtstamp", item.updated_at)
                if item.event_place:
                    event.add("location", item.event_place)
                if item.link:
                    event.add("url", item.link)
                organiser = item.organisation_name
                if organiser:
                    event.add("description", organiser)
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

    def atom(self) -> bytes:
        """Atom feed of the public sent issues, linking to their web versions."""
        settings = self.ctx.settings
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
        ET.SubElement(feed, f"{{{ATOM}}}title").text = settings.organisation_name
        ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{settings.base_url.rstrip('/')}/archive"
        base = settings.base_url.rstrip("/")
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}/feeds/issues.atom"})
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}/archive"})
        issues = [i for i in self.published_issues(FEED_ISSUES) if i.public]
        updated = max((i.sent_at or i.updated_at for i in issues), default=utcnow())
        ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
        author = ET.SubElement(feed, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = settings.organisation_name
        for issue in issues:
            url = links.web_version_url(settings, issue.id)
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            ET.SubElement(entry, f"{{{ATOM}}}title").text = f"N° {issue.number} — {issue.title}"
            ET.SubElement(entry, f"{{{ATOM}}}id").text = url
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url})
            stamp = (issue.sent_at or issue.updated_at).isoformat()
            ET.SubElement(entry, f"{{{ATOM}}}updated").text = stamp
            ET.SubElement(entry, f"{{{ATOM}}}published").text = stamp
            if issue.introduction:
                ET.SubElement(entry, f"{{{ATOM}}}summary").text = issue.introduction[:1000]
        document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        return document
