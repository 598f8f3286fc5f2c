"""What the command line prints from content: no terminal escapes, no Rich markup."""

from __future__ import annotations

import json
from pathlib import Path

from newsletter.cli.common import shown
from newsletter.intake.news import submit_news
from newsletter.service import Service
from newsletter.store.editorial import NewsItem
from tests.support.cli import Cli

#: markup that crashed ``news list``, emoji codes, a terminal title, a screen wipe, an
#: 8-bit CSI, a bell, a fake line and a right-to-left override
EVIL = "[/] [bold red]rouge[/] :smile: \x1b]0;owned\x07 \x1b[2J \x9b31m \r\nFAKE \u202eevil"
TERMINAL = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


def _evil_item(service: Service) -> int:
    with service.ctx.db.session() as session:
        item = submit_news(session, service.ctx.settings, title="Titre", body="Texte",
                           organisation_name="ASBL")  # fmt: skip
        stored = session.get(NewsItem, item.id)
        assert stored is not None
        stored.title = EVIL  # as if it had come through a door that did not clean it
        stored.organisation_name = EVIL
        stored.category = "[/]"
        return item.id


def test_news_list_prints_content_as_inert_text(cli: Cli, service: Service) -> None:
    _evil_item(service)
    result = cli("news", "list")
    assert result.code == 0, result.err
    assert "[/] [bold red]rouge[/] :smile:" in result.out
    assert not any(ch in result.out for ch in TERMINAL)
    assert "\\x1b]0;owned\\x07" in result.out and "\\u202e" in result.out
    assert result.out.count("\n") == 1  # one item, one line: no fake line
    as_json = cli("news", "list", "--json")
    assert as_json.code == 0
    assert not any(ch in as_json.out for ch in TERMINAL)
    assert as_json.json()[0]["title"] == EVIL  # the data itself, unchanged for scripts


def test_errors_and_replies_are_shown_inert(cli: Cli, service: Service, tmp_path: Path) -> None:
    result = cli("subscribers", "unsubscribe", "x\x1b[2J@example.org")
    assert not any(ch in result.out + result.err for ch in TERMINAL)
    missing = cli("news", "submit", "--org", "O", "--title", "T", "--body",
                  str(tmp_path / "nope\x1b[2J.md"))  # fmt: skip
    assert missing.code != 0 and "\x1b" not in missing.out + missing.err
    eml = tmp_path / "in.eml"
    eml.write_bytes(
        b"From: =?utf-8?q?Evil=1B]0;x=07?= <partner@example.org>\r\n"
        b"To: news@example.org\r\nSubject: =?utf-8?q?=1B[2J[/]_titre_=E2=80=AE?=\r\n"
        b"Message-ID: <m1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Bonjour, une nouvelle.\r\n"
    )
    assert cli("intake", "eml", str(eml)).code == 0
    listed = cli("intake", "list")
    assert listed.code == 0, listed.err
    assert "[/]" in listed.out and not any(ch in listed.out for ch in TERMINAL)


def test_shown_escapes_every_control_character() -> None:
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]:
        if chr(code) == "\t":
            continue
        assert chr(code) not in shown(f"a{chr(code)}b"), hex(code)
    assert shown("ligne 1\nligne 2", lines=True) == "ligne 1\nligne 2"
    assert shown("ligne 1\nligne 2") == "ligne 1\\x0aligne 2"
    assert shown("Hélène [b]ok[/b] 😀") == "Hélène [b]ok[/b] 😀"
    assert json.loads(json.dumps(shown("\x1b")))  # still a plain string
