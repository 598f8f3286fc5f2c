"""Intake bugs found on other projects' mail corpora, each with its message built here."""

from __future__ import annotations

import base64

from newsletter.intake.mail.parse import parse_submission
from newsletter.models import InboundOutcome
from newsletter.service import Service
from tests.inbound.conftest import add_partners
from tests.inbound.corpus.make_corpus import pdf
from tests.support.cli import Cli

LIMIT = 10 * 1024 * 1024
KNOWN = "Communication@ASBL-Soleil.example.org"
#: a file name in raw UTF-8, not RFC 2047/2231-encoded (as some mailers send it)
RAW_NAME = "Affiche fête été.pdf".encode()


def _head(message_id: str, content_type: str) -> bytes:
    return (
        f"From: ASBL Le Soleil <{KNOWN}>\r\nTo: actualites@example.org\r\n"
        f"Subject: Fête de quartier\r\nMessage-ID: <{message_id}>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
    ).encode()


def _with_raw_utf8_pdf_name() -> bytes:
    flyer = base64.encodebytes(pdf("Fête")).decode("ascii")
    return (
        _head("raw-name@example.org", 'multipart/mixed; boundary="b"')
        + b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLa f\xc3\xaate, samedi.\r\n"
        + b'--b\r\nContent-Type: application/pdf; name="'
        + RAW_NAME
        + b'"\r\n'
        + b'Content-Disposition: attachment; filename="'
        + RAW_NAME
        + b'"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + flyer.encode()
        + b"--b--\r\n"
    )


def test_raw_8bit_file_name_is_read_not_quarantined(service: Service) -> None:
    """Was: AttributeError: 'Header' object has no attribute 'split' → quarantine."""
    parsed = parse_submission(_with_raw_utf8_pdf_name(), max_attachment=LIMIT)
    assert parsed.problem is None
    [attachment] = parsed.attachments
    assert attachment.filename == "Affiche fête été.pdf"  # no mojibake
    add_partners(service.ctx)
    result = service.intake.ingest_bytes(_with_raw_utf8_pdf_name())
    assert result.outcome is InboundOutcome.item


def test_inline_text_part_with_a_file_name_is_read() -> None:
    message = _head("inline-name@example.org", 'multipart/mixed; boundary="b"') + (
        b'--b\r\nContent-Type: text/plain; charset=utf-8; name="message.txt"\r\n'
        b'Content-Disposition: inline; filename="message.txt"\r\n\r\n'
        b"Grande f\xc3\xaate de quartier le 12 juin, place communale.\r\n--b--\r\n"
    )
    parsed = parse_submission(message, max_attachment=LIMIT)
    assert parsed.problem is None
    assert "Grande fête de quartier le 12 juin" in parsed.body


def test_text_behind_a_broken_nested_boundary_is_read() -> None:
    message = _head("nested-broken@example.org", 'multipart/mixed; boundary="outer"') + (
        b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        b"--innerX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Repas solidaire le 20 novembre, bienvenue \xc3\xa0 tous.\r\n--innerX--\r\n"
        b"--outer--\r\n"
    )
    parsed = parse_submission(message, max_attachment=LIMIT)
    assert parsed.problem is None, parsed.problem
    assert "Repas solidaire le 20 novembre, bienvenue à tous." in parsed.body
    assert any("damaged" in note.msgid for note in parsed.notes)


def test_a_reused_message_id_with_other_content_is_not_a_duplicate(service: Service) -> None:
    add_partners(service.ctx)

    def message(body: str, received: str) -> bytes:
        return (
            f"Received: {received}\r\n".encode()
            + _head("reused@example.org", "text/plain; charset=utf-8")
            + body.encode()
        )

    first = service.intake.ingest_bytes(message("Atelier vélo le 3 mars.\r\n", "by mx1"))
    # the same message relayed a second time (other Received line): a duplicate
    again = service.intake.ingest_bytes(message("Atelier vélo le 3 mars.\r\n", "by mx2"))
    # another message that reuses the Message-ID: not a duplicate
    other = service.intake.ingest_bytes(message("Concert le 8 avril.\r\n", "by mx1"))
    assert first.outcome is InboundOutcome.item and not first.duplicate
    assert again.duplicate and again.news_id == first.news_id
    assert other.outcome is InboundOutcome.item and not other.duplicate
    assert other.news_id != first.news_id


def test_intake_list_pages_and_says_how_many(cli: Cli, service: Service) -> None:
    for index in range(7):
        data = (
            f"From: someone{index}@example.com\r\nTo: actualites@example.org\r\n"
            f"Subject: Vacances\r\nAuto-Submitted: auto-replied\r\n"
            f"Message-ID: <oof-{index}@example.com>\r\n\r\nAbsent.\r\n"
        ).encode()
        service.intake.ingest_bytes(data)
    first = cli("intake", "list", "--per-page", "3")
    assert first.code == 0, first.err
    assert "1 à 3 sur 7" in first.out and "--page 2" in first.out
    last = cli("intake", "list", "--per-page", "3", "--page", "3", "--json")
    assert len(last.json()) == 1
    assert "7 à 7 sur 7" in last.err
    ids = [
        row["id"]
        for page in (1, 2, 3)
        for row in cli("intake", "list", "--per-page", "3", "--page", str(page), "--json").json()
    ]
    assert len(ids) == len(set(ids)) == 7
