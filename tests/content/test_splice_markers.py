"""Marker-like words in content from outside are never taken for per-recipient slots.

A partner (or an anonymous visitor of the submission form) writes every placeholder
word we ever used, guessed new ones and format patterns into every field: the links,
titles, file names, places, AG texts, the introduction, the subject. Every recipient
gets that content exactly as written, and nobody's personal link ends up in it.
"""

from __future__ import annotations

import html as html_lib
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from newsletter.context import Context
from newsletter.editorial.assemblies import attach_minutes, create_assembly
from newsletter.editorial.issues import add_annex, draft_issue, set_texts
from newsletter.editorial.news_status import transition_news
from newsletter.i18n import LANGUAGES
from newsletter.intake.news import submit_news
from newsletter.models import NewsStatus
from newsletter.render import Personalization, prepare_issue
from newsletter.render.preview import personalization_for
from newsletter.render.splice import Markers, Slot
from tests.content.sample import PDF, PNG

#: every placeholder word of the former fixed scheme, a guessed nonce, format patterns
OLD = [f"QZSLOT{slot.name.upper().replace('_', '')}QZ" for slot in Slot]
GUESSED = [word[:-2] + "0123456789ABCDEF01234567QZ" for word in OLD]
GUESSED.append("QZIFRSVP0123456789ABCDEF01234567QZ")
WORDS = [*OLD, "QZIFRSVPQZ", "QZENDIFQZ", *GUESSED, "{greeting}", "{unsubscribe_url}",
         "{{ slot.preferences_url }}", "%(name)s", "{0}"]  # fmt: skip
ALL = " ".join(WORDS)
#: for the fields limited to one line of 300 characters (titles)
SHORT = " ".join([*OLD, "QZIFRSVPQZ", "QZENDIFQZ", "{greeting}", "%(name)s"])
LINK = "https://attacker.example/?r=" + "&".join(f"w{i}={w}" for i, w in enumerate(OLD[:5]))


def hostile(ctx: Context) -> int:
    """An issue whose every outside field is full of marker-like words."""
    body = (
        f"{ALL}\n\nQZIFRSVPQZ\n\nQZENDIFQZ\n\nQZSLOTRSVPURLQZ\n\n"
        f"[lien QZSLOTUNSUBSCRIBEURLQZ]({LINK})\n\n<{LINK}&x=QZSLOTWEBURLQZ>\n"
    )
    with ctx.db.session() as session:
        item = submit_news(
            session, ctx.settings, title=f"Titre {SHORT}", body=body, body_format="markdown",
            organisation_name=f"ASBL {SHORT}", sender="partner@example.org",
            event_place=f"Salle {SHORT}", image_alt=f"Image {SHORT}", link=LINK,
            image=("QZSLOTGREETINGQZ.png", "image/png", PNG),
            attachments=[(f"Annexe {OLD[1]} QZIFRSVPQZ.pdf", "application/pdf", PDF)],
            event_start=datetime(2099, 1, 1, 17, tzinfo=UTC),
            event_end=datetime(2099, 1, 1, 19, tzinfo=UTC),
        )  # fmt: skip
        transition_news(item, NewsStatus.approved)
        previous = create_assembly(session, ctx.settings, title=f"AG {SHORT}", place=ALL,
                                   starts_at=datetime(2098, 1, 1, tzinfo=UTC))  # fmt: skip
        attach_minutes(session, previous, f"PV {OLD[2]}.pdf", PDF)
        create_assembly(
            session, ctx.settings, title=f"AG {SHORT}", place=f"Lieu {ALL}", theme=ALL,
            agenda=[ALL, "QZIFRSVPQZ", "QZENDIFQZ"],
            speakers=[{"name": ALL, "organisation": ALL}],
            starts_at=datetime(2099, 2, 1, 9, tzinfo=UTC),
        )  # fmt: skip
        issue = draft_issue(
            session, ctx.settings, title="Numéro", now=datetime(2097, 1, 1, tzinfo=UTC)
        )
        set_texts(issue, title=f"Numéro été {SHORT}", introduction=f"{ALL}\n\nQZIFRSVPQZ\n")
        add_annex(session, issue, (f"Note {OLD[3]}.odt", "application/octet-stream", b"odt"),
                  f"Étiquette {ALL}")  # fmt: skip
        return issue.id


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, _class=EmailMessage, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def own_values(v: Personalization, greeting: str) -> list[str]:
    return [x for x in (v.unsubscribe_url, v.preferences_url, v.rsvp_url, greeting) if x]


def masked(body: str, v: Personalization, greeting: str) -> str:
    """The body with this recipient's own values replaced by a fixed word."""
    for value in own_values(v, greeting):
        body = body.replace(html_lib.escape(value, quote=True), "MINE").replace(value, "MINE")
    return body


def test_marker_words_reach_every_recipient_as_written(ctx: Context) -> None:
    issue_id = hostile(ctx)
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    for lang in LANGUAGES:
        for kind in ("effectif", "none"):
            variant = prepared.variant(lang, kind)
            readers = [
                personalization_for(ctx.settings, issue_id, sid, f"r{sid}@example.net",
                                    f"Lecteur {sid}", variant.rsvp_assembly_id if rsvp else None)
                for sid, rsvp in ((3, True), (4, True), (5, False), (6, False))
            ]  # fmt: skip
            seen: dict[bool, tuple[str, str]] = {}
            for v in readers:
                message = parse(variant.personalize(v))
                assert all(not part.defects for part in message.walk())
                assert message["Subject"] == f"Numéro été {SHORT}"
                names = [a.get_filename() for a in message.iter_attachments()]
                assert f"Note {OLD[3]}.odt" in names
                html, text = body(message, "html"), body(message, "plain")
                greeting = variant.greeting.named.format(name=v.name)
                # each personal value only where the template puts it
                for value, times in ((v.unsubscribe_url, 1), (v.preferences_url, 1),
                                     (v.rsvp_url, 1 if v.rsvp_url else 0)):  # fmt: skip
                    if value:
                        assert html.count(html_lib.escape(value)) == times
                        assert text.count(value) == times
                assert html.count(greeting) == 1 and text.count(greeting) == 1
                # the attacker's link, exactly as written, in both parts
                assert f'href="{html_lib.escape(LINK)}"' in html and LINK in text
                for word in WORDS:
                    assert html_lib.escape(word, quote=False) in html, word
                    assert word in text, word
                assert "QZIFRSVPQZ" in text.splitlines() or " QZIFRSVPQZ" in text
                markers = variant.rendered.markers
                assert markers.nonce not in html + text
                # identical for every recipient, once their own values are set aside
                bodies = (masked(html, v, greeting), masked(text, v, greeting))
                assert seen.setdefault(bool(v.rsvp_url), bodies) == bodies
                for value in own_values(v, greeting)[:3]:
                    token = value.rsplit("/", 1)[-1]
                    assert html.count(token) == text.count(token) == 1


def test_every_render_draws_its_own_markers(ctx: Context) -> None:
    issue_id = hostile(ctx)
    with ctx.db.session() as session:
        first = prepare_issue(session, ctx.settings, issue_id).variant("fr", "effectif")
        second = prepare_issue(session, ctx.settings, issue_id).variant("fr", "effectif")
    a, b = first.rendered.markers, second.rendered.markers
    assert a.nonce != b.nonce and len(a.nonce) >= 24
    for markers, html in ((a, first.html), (b, second.html)):
        assert html.count(markers.nonce) == 7  # 5 slots, the RSVP block start and end
        assert all(old in html for old in OLD)  # the content's words, left alone
    assert Markers.new("ABC").words[Slot.greeting] == "QZSLOTGREETINGABCQZ"
