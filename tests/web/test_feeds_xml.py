"""Control characters (Word's vertical tab and the like) never make a feed or page
ill-formed: Atom, iCalendar and HTML all drop or replace them."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
from icalendar import Calendar

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.models import IssueStatus, NewsStatus
from newsletter.service import Service
from newsletter.store.editorial import Assembly, Issue, NewsItem
from newsletter.web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

#: every character XML 1.0 forbids in a document but NUL (PostgreSQL refuses it in text;
#: ``test_xml_text`` covers it), and U+FFFE/U+FFFF
CONTROLS = "".join(chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
DIRTY = f"Ligne\x0bsuivante {CONTROLS}\ufffe\uffff fin"


def _dirty_data(service: Service) -> int:
    now = datetime.now(UTC)
    with service.ctx.db.session() as session:
        issue = Issue(number=7, title=f"Numéro {DIRTY}", introduction=f"Intro {DIRTY}",
                      status=IssueStatus.sent, sent_at=now, public=True)  # fmt: skip
        session.add(issue)
        session.add(Assembly(title=f"AG {DIRTY}", place=DIRTY, theme=DIRTY, agenda=[DIRTY],
                             speakers=[], starts_at=now + timedelta(days=3),
                             uid="ag-dirty@example.org"))  # fmt: skip
        session.add(NewsItem(title=f"Fête {DIRTY}", body_html=f"<p>{DIRTY}</p>",
                             body_source=DIRTY, organisation_name=DIRTY, event_place=DIRTY,
                             link="https://example.org/", status=NewsStatus.approved,
                             event_start=now + timedelta(days=2),
                             event_end=now + timedelta(days=2, hours=2)))  # fmt: skip
        session.flush()
        return issue.id


def test_atom_feed_with_control_characters_in_every_field(
    settings: Settings, service: Service
) -> None:
    dirty_settings = settings.model_copy(update={"organisation_name": f"Coordination {DIRTY}"})
    _dirty_data(service)
    ctx = open_context(dirty_settings)
    try:
        app = create_app(ctx, Service(ctx))
        with TestClient(app, base_url="https://testserver") as client:
            atom = client.get("/feeds/issues.atom")
            ics = client.get("/feeds/agenda.ics")
            archive = client.get("/archive")
    finally:
        ctx.close()
    assert atom.status_code == 200
    root = ET.fromstring(atom.content)  # the standard library's parser: well-formed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = root.find("a:entry", ns)
    assert entry is not None
    assert entry.findtext("a:title", namespaces=ns) == (
        "N° 7 — Numéro Ligne\nsuivante \n\n fin"
    )  # vertical tab and form feed become line breaks, the rest goes
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title.startswith("Coordination Ligne")
    assert parsed.entries[0].summary.startswith("Intro Ligne")
    calendar = Calendar.from_ical(ics.content)
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries[0].startswith("AG Ligne") and summaries[1].startswith("Fête Ligne")
    assert not any(ch in ics.content.decode("utf-8") for ch in CONTROLS.replace("\n", ""))
    assert archive.status_code == 200
    assert not any(ch in archive.text for ch in CONTROLS + "\ufffe\uffff")
    assert "Numéro Ligne" in archive.text


def test_xml_text() -> None:
    from newsletter.xmltext import xml_text

    assert xml_text("a\x00b\x0bc\x0cd\ud800e\x7f\tf\ng\rh") == "ab\nc\nde\tf\ng\rh"
    same = "Hélène — 😀 ligne"
    assert xml_text(same) is same
