"""The message bytes: MIME round trip, splice equal to the email package, no injection."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP, default

import lxml.html
import pytest
from icalendar import Calendar

from newsletter.context import Context
from newsletter.delivery.smtp import wire_body
from newsletter.editorial.issues import add_annex, add_item, get_issue
from newsletter.editorial.news_status import transition_news
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES
from newsletter.intake.news import submit_news
from newsletter.models import NewsStatus
from newsletter.render import Personalization, PreparedIssue, prepare_issue
from newsletter.render.prepare import list_id, unsubscribe_mailto
from newsletter.render.prepared import PreparedVariant
from newsletter.render.preview import personalization_for
from newsletter.render.splice import Markers, Slot, address_header
from newsletter.text import one_line
from tests.content.sample import PDF
from tests.support.checks import text_body

NAMES = [
    "",
    "ASBL Exemple",
    "Hélène Exemple",
    "Dupont, Marie",
    'Le "Centre" social',
    "Ωμέγα 中文 😀",
    "Très long nom d'organisation " * 4,
    "Nom\r\nBcc: victim@example.com",
    "=?utf-8?q?piege?=",
]


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, _class=EmailMessage, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def values(
    ctx: Context, issue_id: int, name: str = "Hélène Exemple", sid: int = 7, ag: int | None = None
) -> Personalization:
    return personalization_for(ctx.settings, issue_id, sid, f"reader{sid}@example.net", name, ag)


def blocks(text: str, keep: bool, markers: Markers) -> str:
    """The conditional RSVP block kept (markers dropped) or dropped whole."""
    start, end = markers.if_rsvp, markers.end_if
    if keep:
        return re.sub(rf"(?m)^[ \t]*({start}|{end})[ \t]*(\r\n|\n|\r)", "", text)
    return re.sub(rf"(?ms)^[ \t]*{start}.*?{end}[ \t]*(\r\n|\n|\r)", "", text)


def reference(variant: PreparedVariant, prepared: PreparedIssue, v: Personalization,
              ctx: Context, date: str) -> bytes:  # fmt: skip
    """The same message built the ordinary way with the email package."""
    name = one_line(v.name, 200)
    greeting = variant.greeting.named.format(name=name) if name else variant.greeting.plain
    slots = {Slot.greeting: greeting, Slot.unsubscribe_url: v.unsubscribe_url,
             Slot.preferences_url: v.preferences_url, Slot.web_url: v.web_url,
             Slot.rsvp_url: v.rsvp_url, Slot.click_person: v.click_person}  # fmt: skip
    markers = variant.rendered.markers
    keep = bool(v.rsvp_url)
    html, text = blocks(variant.html, keep, markers), blocks(variant.text, keep, markers)
    for slot, word in markers.words.items():
        html = html.replace(word, html_lib.escape(slots[slot], quote=True))
        text = text.replace(word, slots[slot])
    policy = SMTP.clone(refold_source="none")
    boundary = f"=_newsletter-{prepared.issue_id}-{variant.language}-{variant.block}"
    root = EmailMessage(policy=policy)
    root["From"] = ctx.settings.from_address_in(variant.language)
    to_value = address_header("To", v.name, v.email).decode()[4:].rstrip("\r\n")
    root.set_raw("To", to_value)
    root["Subject"] = variant.subject
    root["Date"] = date
    root["Message-ID"] = v.message_id
    root["List-Id"] = list_id(ctx.settings, variant.language)
    root.set_raw(
        "List-Unsubscribe", f"<{v.unsubscribe_url}>,\r\n <{unsubscribe_mailto(ctx.settings)}>"
    )
    root["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    root["MIME-Version"] = "1.0"
    text_part = MIMEPart(policy=policy)
    text_part.set_content(text, subtype="plain", cte="quoted-printable")
    html_part = MIMEPart(policy=policy)
    html_part.set_content(html, subtype="html", cte="quoted-printable")
    alternative = MIMEPart(policy=policy)
    alternative["Content-Type"] = f'multipart/alternative; boundary="{boundary}-a"'
    alternative.set_payload([text_part, html_part])
    annexes = []
    attached = [a for a in prepared.view.annexes if a.attached]
    for filename, content_type, data in [(a.filename, a.content_type, a.data) for a in attached]:
        part = MIMEPart(policy=policy)
        maintype, subtype = content_type.split("/")
        params = (
            {"charset": "utf-8", "method": "PUBLISH"} if content_type == "text/calendar" else {}
        )
        part.set_content(data, maintype=maintype, subtype=subtype, disposition="attachment",
                         filename=filename, params=params)  # fmt: skip
        annexes.append(part)
    root["Content-Type"] = f'multipart/mixed; boundary="{boundary}-m"'
    root.set_payload([alternative, *annexes])
    return root.as_bytes(policy=policy)


#: click counting off, on (aggregate: links rewritten per variant), on with individual
#: tracking (each reader's part spliced into every counted link)
CLICK_MODES = {
    "off": {},
    "counted": {"click_counting": True},
    "individual": {"click_counting": True, "click_tracking_individual": True},
}


@pytest.mark.parametrize("clicks", list(CLICK_MODES))
@pytest.mark.parametrize("rsvp", [True, False])
@pytest.mark.parametrize("name", NAMES)
def test_spliced_bytes_equal_the_email_package(
    ctx: Context, issue_id: int, name: str, rsvp: bool, clicks: str
) -> None:
    settings = ctx.settings.model_copy(update=CLICK_MODES[clicks])
    with ctx.db.session() as session:
        prepared = prepare_issue(session, settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    ag = variant.rsvp_assembly_id if rsvp else None
    recipient = personalization_for(settings, issue_id, 7, "reader7@example.net", name, ag)
    spliced = variant.personalize(recipient)
    date = str(parse(spliced)["Date"])
    assert spliced == reference(variant, prepared, recipient, ctx, date)
    html, text = text_body(parse(spliced), "html"), text_body(parse(spliced), "plain")
    counted = f"{settings.base_url}/r/"
    if clicks == "off":
        assert counted not in html + text
        assert 'href="https://quartier.example.org/logement"' in html
        assert recipient.click_person == ""
    else:
        assert 'href="https://quartier.example.org/logement"' not in html
        assert "https://quartier.example.org/logement" not in text
        assert html.count(f'href="{counted}') >= 2 and counted in text
        # the reader's own links are not counted
        assert f'href="{recipient.unsubscribe_url}"' in html and recipient.web_url in text
        person = recipient.click_person
        assert bool(person) is (clicks == "individual")
        if person:
            assert person.startswith("~") and f'{person}"' in html and person in text


def test_spliced_links_and_names_of_every_shape_equal_the_email_package(
    ctx: Context, issue_id: int
) -> None:
    """Links with ``&`` and ``=`` (escaped in HTML, quoted in quoted-printable), long enough
    to be cut, and names of random hostile characters: the same bytes as the email package."""
    import random

    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    good = values(ctx, issue_id, ag=variant.rsvp_assembly_id)
    generator = random.Random(10)
    alphabet = "aé &<>\"'=\t\r\n\x00\u200b\u202e€😀{}%ß"
    for number in range(40):
        tail = "".join(generator.choice("a=&%~;?-_") for _ in range(generator.randrange(150)))
        name = "".join(generator.choice(alphabet) for _ in range(generator.randrange(60)))
        recipient = Personalization(
            email=good.email,
            name=name,
            message_id=good.message_id,
            unsubscribe_url=f"{good.unsubscribe_url}?a=1&b={tail}",
            preferences_url=f"{good.preferences_url}&{tail}=",
            web_url=f"{good.web_url}&x={'=' * (number % 5)}",
            rsvp_url=f"{good.rsvp_url}={tail}" if number % 2 else "",
        )
        spliced = variant.personalize(recipient)
        date = str(parse(spliced)["Date"])
        assert spliced == reference(variant, prepared, recipient, ctx, date), (name, tail)
        # what a send hands the transport: the same bytes in pieces, and their wire form
        pieces = variant.splice(recipient)
        assert bytes(pieces) == spliced
        assert b"".join(pieces.wire()) == wire_body(spliced), (name, tail)


@pytest.mark.parametrize("bilingual", [False, True])
def test_a_send_gets_the_message_in_pieces_already_in_wire_form(
    ctx: Context, issue_id: int, bilingual: bool
) -> None:
    """Every variant: the pieces a send hands the transport join into the message
    (``personalize``), and their wire form is what ``wire_body`` makes of it: lines
    starting with a dot (a name, a link cut by quoted-printable) doubled, nowhere else."""
    with ctx.db.session() as session:
        get_issue(session, issue_id).bilingual = bilingual
        session.flush()
        prepared = prepare_issue(session, ctx.settings, issue_id)
    for lang in LANGUAGES:
        for kind in ("effectif", "adherent", "none"):
            variant = prepared.variant(lang, kind)
            recipients = [
                values(ctx, issue_id, name=name, sid=sid + 1, ag=variant.rsvp_assembly_id)
                for sid, name in enumerate([*NAMES, ".Nom"])
            ]
            # a link alone on a line of the text part, cut by quoted-printable before a dot
            link = ctx.settings.base_url + "/u/" + "a" * (77 - len(ctx.settings.base_url) - 3)
            recipients.append(replace(recipients[0], unsubscribe_url=link + ".rest"))
            for recipient in recipients:
                data = variant.personalize(recipient)
                pieces = variant.splice(recipient)
                assert bytes(pieces) == data
                wire = b"".join(pieces.wire())
                assert wire == wire_body(data), (lang, kind, recipient.name)
            assert b"\r\n.rest" in data and b"\r\n..rest" in wire


def test_round_trip_has_no_defects_and_intact_annexes(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    v = values(ctx, issue_id)
    # a member's copy: the PV goes to members only
    data = prepared.variant("nl", "adherent").personalize(v)
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = parse(data)
    assert all(not part.defects for part in message.walk())
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
        "application/pdf", "text/calendar",
    ]  # fmt: skip
    assert message["To"].addresses[0].display_name == "Hélène Exemple"
    assert message["To"].addresses[0].addr_spec == "reader7@example.net"
    assert message["Message-ID"] == v.message_id
    assert message["List-Id"] == "Coordination sociale <news.example.org>"
    assert message["List-Unsubscribe"] == (
        f"<{v.unsubscribe_url}>, <mailto:news@example.org?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Nieuwsbrief van november"  # the Dutch version's title
    assert message["Date"] is not None and message["MIME-Version"] == "1.0"
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [
        "PV AG septembre 2026.pdf",
        "AV-2026-12-10.ics",  # the Dutch name of an AG
    ]
    assert attachments[0].get_content() == PDF
    calendar = Calendar.from_ical(attachments[1].get_content())
    assert (
        str(next(iter(calendar.walk("VEVENT")))["SUMMARY"]) == "Algemene vergadering van december"
    )  # the Dutch reader's
    html = text_body(message, "html")
    text = text_body(message, "plain")
    for url in (v.unsubscribe_url, v.preferences_url, v.web_url):
        assert f'href="{url}"' in html and url in text
    assert "/rsvp/" not in html + text  # no RSVP link given: the block is left out
    variant = prepared.variant("nl", "none")
    answering = values(ctx, issue_id, ag=variant.rsvp_assembly_id)
    with_rsvp = parse(variant.personalize(answering))
    html = text_body(with_rsvp, "html")
    assert f'href="{answering.rsvp_url}"' in html and "Laat ons weten of u komt" in html
    assert answering.rsvp_url in text_body(with_rsvp, "plain")
    assert "Beste Hélène Exemple," in text and "Beste Hélène Exemple," in html
    assert "QZSLOT" not in html + text


def test_utf8_filenames_rfc2231_and_large_annex_linked(ctx: Context, issue_id: int) -> None:
    settings = ctx.settings.model_copy(update={"annex_link_threshold": 5000})
    with ctx.db.session() as session:
        issue = get_issue(session, issue_id)
        add_annex(
            session, issue, ("Règlement d'ordre intérieur.pdf", "application/pdf", b"%PDF ok")
        )
        add_annex(session, issue, ("Rapport annuel.pdf", "application/pdf", b"x" * 6000))
        prepared = prepare_issue(session, settings, issue_id)
    data = prepared.variant("fr", "none").personalize(values(ctx, issue_id))
    assert b"filename*=utf-8''R%C3%A8glement%20d%27ordre%20int%C3%A9rieur.pdf" in data
    message = parse(data)
    names = [a.get_filename() for a in message.iter_attachments()]
    assert "Règlement d'ordre intérieur.pdf" in names and "Rapport annuel.pdf" not in names
    html = text_body(message, "html")
    assert re.search(r'href="https://news\.example\.org/files/[^"]+/Rapport%20annuel\.pdf"', html)


def test_injection_attempts_end_as_inert_text(ctx: Context, issue_id: int) -> None:
    evil = "Évil\r\nBcc: victim@example.com\r\n\r\n<script>alert(1)</script>"
    with ctx.db.session() as session:
        item = submit_news(session, ctx.settings, title=evil, body=evil, body_format="html",
                           organisation_name=evil, event_place=evil)  # fmt: skip
        transition_news(item, NewsStatus.approved)
        issue = get_issue(session, issue_id)
        issue.title = evil  # even a title that skipped validation
        add_item(session, issue, item)
        prepared = prepare_issue(session, ctx.settings, issue_id)
    data = prepared.variant("fr", "effectif").personalize(values(ctx, issue_id, name=evil))
    message = parse(data)
    assert message["Bcc"] is None
    assert all(not part.defects for part in message.walk())
    assert "Bcc: victim@example.com" in message["Subject"]
    assert "victim@example.com" in message["To"].addresses[0].display_name
    assert [a.addr_spec for a in message["To"].addresses] == ["reader7@example.net"]
    html = text_body(message, "html")
    assert "<script" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "field,bad",
    [
        ("email", "a@example.org\r\nBcc: b@example.org"),
        ("email", "a b@example.org"),
        ("message_id", "<x@y>\r\nBcc: b@example.org"),
        ("unsubscribe_url", "https://x.example.org/u/\r\nBcc: b@example.org"),
        ("unsubscribe_url", "javascript:alert(1)"),
        ("web_url", 'https://x.example.org/"><script>'),
        # a final line feed is not the end of the value ("$" would let it through)
        ("email", "a@example.org\n"),
        ("message_id", "<x@example.org>\n"),
        ("unsubscribe_url", "https://x.example.org/u/\n"),
        ("preferences_url", "https://x.example.org/p/\n"),
        ("web_url", "https://x.example.org/a\\b"),
        ("rsvp_url", "https://x.example.org/rsvp/'x"),
        ("rsvp_url", "https://x.example.org/rsvp/ x"),
        ("click_person", "~abc\n"),
        ("click_person", "~abc\r\n.\r\nMAIL FROM:<x@example.org>"),
        ("click_person", 'abc"'),
    ],
)
def test_bad_recipient_values_are_refused(
    ctx: Context, issue_id: int, field: str, bad: str
) -> None:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    good = values(ctx, issue_id)
    broken = Personalization(**{**{f: getattr(good, f) for f in good.__slots__}, field: bad})
    with pytest.raises(ValidationError):
        prepared.variant("fr", "none").personalize(broken)


@pytest.mark.parametrize("name", NAMES)
def test_to_header_parses_back_to_the_name(name: str) -> None:
    line = address_header("To", name, "someone@example.org")
    assert all(len(part) <= 78 for part in line.split(b"\r\n"))
    message = parse(line + b"\r\n")
    address = message["To"].addresses[0]
    assert address.addr_spec == "someone@example.org"
    assert address.display_name == " ".join(name.split())
    assert not message.defects and not message["To"].defects


def test_quoted_printable_lines_match_the_email_package() -> None:
    from email import quoprimime

    from newsletter.render.splice import latin1, qp_line

    samples = ["", "a", "x" * 76, "x" * 77, "x" * 78, "x" * 79, "x" * 155, "x" * 156, "y" * 400,
               "fin ", "tab\t", "a=b", "=" * 90, "é" * 40, "https://e.example.org/u/" + "A" * 120,
               "x" * 76 + "=", "x" * 75 + "é" + "x" * 10, " " * 100,
               '<a href="x">' * 12]  # fmt: skip
    import random

    generator = random.Random(2026)
    alphabet = "ab= \té<>\"'&;:x\x00\x7f€"
    for _ in range(3000):  # '=' and whitespace near every cut point
        samples.append("".join(generator.choice(alphabet) for _ in range(generator.randrange(300))))
    links = "abcdefghijklmnopqrstuvwxyz0123456789-_./~"  # links: an '=' seldom, if ever
    for _ in range(3000):
        size = generator.randrange(60, 400)
        sample = "".join(generator.choice(links) for _ in range(size))
        if generator.random() < 0.5:  # one '=' somewhere, often before the first cut
            at = generator.randrange(size)
            sample = sample[:at] + "=" + sample[at:]
        samples.append(sample + generator.choice(["", "", " ", "\t", "="]))
    for sample in samples:
        line = latin1(sample)
        assert qp_line(line) == quoprimime.body_encode(line, 78).replace("\n", "\r\n"), sample


def test_every_field_is_inert(ctx: Context) -> None:
    """CR/LF and markup in every text a partner or coordinator types: no header, no tag."""
    from datetime import UTC, datetime

    from newsletter.editorial.assemblies import attach_minutes, create_assembly
    from newsletter.editorial.issues import draft_issue, set_texts

    evil = (
        'X\r\nBcc: victim@example.com\r\nX-Evil: 1\r\n\r\n<script>alert(1)</script>">'
        "<img src=x onerror=alert(1)>"
    )
    with ctx.db.session() as session:
        item = submit_news(
            session, ctx.settings, title=evil, body=evil, body_format="markdown",
            organisation_name=evil, sender=evil, event_place=evil, image_alt=evil,
            image=(evil + ".png", "image/png", b"\x89PNG\r\n\x1a\n"),
            attachments=[(evil + ".pdf", "application/pdf", b"%PDF-1.4")],
            event_start=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        transition_news(item, NewsStatus.approved)
        previous = create_assembly(session, ctx.settings, title=evil, place=evil,
                                   starts_at=datetime(2098, 1, 1, tzinfo=UTC))  # fmt: skip
        attach_minutes(session, previous, evil + ".pdf", b"%PDF-1.4 pv")
        create_assembly(session, ctx.settings, title=evil, place=evil, theme=evil,
                        agenda=[evil], speakers=[{"name": evil, "organisation": evil}],
                        starts_at=datetime(2099, 2, 1, tzinfo=UTC))  # fmt: skip
        issue = draft_issue(
            session, ctx.settings, title="Numéro", now=datetime(2097, 1, 1, tzinfo=UTC)
        )
        set_texts(issue, title=evil, introduction=evil)
        add_annex(
            session, issue, (evil + ".odt", "application/vnd.oasis.opendocument.text", b"odt"), evil
        )
        prepared = prepare_issue(session, ctx.settings, issue.id)
    for lang in LANGUAGES:
        data = prepared.variant(lang, "effectif").personalize(values(ctx, issue.id, name=evil))
        head = data.split(b"\r\n\r\n", 1)[0]
        assert b"\r\nBcc:" not in head and b"\r\nX-Evil:" not in head
        message = parse(data)
        assert message["Bcc"] is None and message["X-Evil"] is None
        assert all(not part.defects for part in message.walk())
        assert all(part["Bcc"] is None and part["X-Evil"] is None for part in message.walk())
        assert "X Bcc: victim@example.com" in message["Subject"]
        names = [a.get_filename() for a in message.iter_attachments()]
        assert len(names) == 4
        assert all(name and "\n" not in name and "\r" not in name for name in names)
        html = text_body(message, "html")
        tree = lxml.html.fromstring(html.encode("utf-8"))
        assert tree.findall(".//script") == [] and len(tree.findall(".//img")) == 1
        # the HTML parser lower-cases attribute names: no event handler attribute is left
        assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
        assert all("/" not in tag for tag in re.findall(r"/files/[^/]+/([^\"']+)", html))
        assert html.count("&lt;script&gt;") >= 8
        text = text_body(message, "plain")
        assert "Bcc: victim@example.com" in text  # shown as text, where a reader sees it
        assert len(head) < 4000


def _address_header_by_loops(field: str, name: str, email: str) -> bytes:
    """``address_header`` as it was before its one-line and one-word shortcuts, kept as
    the reference: words encoded in chunks by one loop, folded by another."""
    from newsletter.render.splice import _ATEXT_PHRASE, _EW_CHUNK, _b64_word, _split_bytes

    name = one_line(name, 200)
    if not name:
        return f"{field}: {email}\r\n".encode("ascii")
    words: list[str] = []
    if name.isascii() and "=?" not in name:
        quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words = [name] if _ATEXT_PHRASE.match(name) else [quoted]
    else:
        run: list[str] = []
        for word in [*name.split(" "), None]:
            if word is not None and not (_ATEXT_PHRASE.match(word) and "=?" not in word):
                run.append(word)
                continue
            if run:
                text, chunk = " ".join(run), ""
                for token in [t + " " for t in text.split(" ")[:-1]] + [text.split(" ")[-1]]:
                    if chunk and len((chunk + token).encode("utf-8")) > _EW_CHUNK:
                        words.append(_b64_word(chunk))
                        chunk = ""
                    if len(token.encode("utf-8")) > _EW_CHUNK:
                        *full, chunk = _split_bytes(token, _EW_CHUNK)
                        words.extend(_b64_word(piece) for piece in full)
                    else:
                        chunk += token
                if chunk:
                    words.append(_b64_word(chunk))
                run = []
            if word is not None:
                words.append(word)
    lines = [f"{field}:"]
    for word in [*words, f"<{email}>"]:
        if len(lines[-1]) + 1 + len(word) > 78 and lines[-1] != f"{field}:":
            lines.append("")
        lines[-1] += " " + word
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def test_to_headers_of_every_name_equal_the_reference_loops() -> None:
    import random

    generator = random.Random(22)
    alphabet = "aé Z\"\\=?ß中😀 .,-'~\tQ"
    names = [*NAMES, "Lectrice Exémple 12", "é" * 30, "é" * 21, "é" * 22, "a" * 90]
    names += ["".join(generator.choice(alphabet) for _ in range(generator.randrange(90)))
              for _ in range(3000)]  # fmt: skip
    for name in names:
        for email in ("a@example.org", "une.adresse.assez.longue@organisation.example.org"):
            expected = _address_header_by_loops("To", name, email)
            assert address_header("To", name, email) == expected, name
