"""One link rule (``intake.news.check_link``) for every door: a ``javascript:`` link
is refused from the public form, the console (new item and edit) and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.service import Service
from tests.support.cli import Cli
from tests.web.conftest import Browser

EVIL = ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,x",
        "https://example.org/\"onmouseover=alert(1)", "//example.org/x"]  # fmt: skip
FORM = {"title": "Atelier vélo", "body": "Samedi.", "category": "agenda",
        "sender": "accueil@maison.example.org", "language": "fr"}  # fmt: skip


@pytest.mark.parametrize("link", EVIL)
def test_bad_links_refused_by_every_door(
    link: str, mailing: Service, console: Browser, mailing_cli: Cli, tmp_path: Path
) -> None:
    item = mailing.editorial.submit_news(title="Bon lien", body="x", link="https://example.org/")
    console.get(f"/console/news/{item.id}")
    edited = console.post(f"/console/news/{item.id}/edit", dict(FORM, link=link))
    assert edited.status_code == 400 and "http" in edited.text
    assert mailing.editorial.get_news(item.id).link == "https://example.org/"

    console.get("/console/news/new")
    created = console.post("/console/news/new", dict(FORM, link=link))
    assert created.status_code == 400

    console.get("/submit")
    public = console.post("/submit", dict(FORM, link=link))
    assert public.status_code == 400

    body = tmp_path / "news.md"
    body.write_text("Samedi.", encoding="utf-8")
    by_cli = mailing_cli("news", "submit", "--title", "T", "--body", str(body), "--link", link)
    assert by_cli.code == 1 and "http" in by_cli.err

    assert [n.id for n in mailing.editorial.list_news()] == [item.id]


def test_good_link_kept_through_the_console_edit(mailing: Service, console: Browser) -> None:
    item = mailing.editorial.submit_news(title="Lien", body="x")
    console.get(f"/console/news/{item.id}")
    edited = console.post(f"/console/news/{item.id}/edit",
                          dict(FORM, link="https://maison.example.org/atelier?x=1"))  # fmt: skip
    assert edited.status_code == 303
    assert mailing.editorial.get_news(item.id).link == "https://maison.example.org/atelier?x=1"
