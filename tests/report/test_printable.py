"""The printable edition: an A4 PDF with the items, short addresses and QR codes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

from newsletter.links import web_version_url
from newsletter.report.printable import printable_body, short_url
from newsletter.service import Service
from tests.content.sample import build_sample
from tests.support.cli import Cli


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


def _codes(pdf: Path, folder: Path) -> list[str]:
    """The QR codes of every page, decoded."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(folder / "page")],
                   check=True)  # fmt: skip
    found = []
    for image in sorted(folder.glob("page*.png")):
        with Image.open(image) as page:
            found += [code.text for code in zxingcpp.read_barcodes(page)]
    return found


def test_issue_print_writes_an_a4_pdf_with_qr_codes(
    cli: Cli, service: Service, tmp_path: Path
) -> None:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    out = tmp_path / "numero.pdf"
    result = cli("issue", "print", str(issue_id), "--out", str(out))
    assert result.code == 0, result.err
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert "pts (A4)" in info.stdout
    text = _text(out)
    for expected in ("Permanence logement : nouveaux horaires", "Infoavond over energiepremies",
                     "Assemblée générale de décembre", "Lisez cette lettre sur internet",
                     "news.example.org/archive/", "quartier.example.org/logement"):  # fmt: skip
        assert expected in text, expected
    flat = " ".join(text.split())
    # the Dutch-only item is printed in Dutch, with the note in the reader's language
    assert flat.count("Ce message n'existe qu'en néerlandais.") == 1
    for personal in ("/u/", "/preferences/", "/rsvp/"):
        assert personal not in text  # nothing personal, nothing that tracks
    codes = _codes(out, tmp_path)
    # the web version in the language of the printed edition
    assert web_version_url(service.ctx.settings, issue_id, "fr") in codes
    assert "https://quartier.example.org/logement" in codes
    dutch = tmp_path / "nummer.pdf"
    assert cli("issue", "print", str(issue_id), "--out", str(dutch), "--lang", "nl").code == 0
    dutch_text = " ".join(_text(dutch).split())
    assert "Lees deze nieuwsbrief op het internet" in dutch_text
    assert dutch_text.count("Dit bericht is enkel in het Frans beschikbaar.") == 1
    assert web_version_url(service.ctx.settings, issue_id, "nl") in _codes(dutch, tmp_path)
    assert cli("issue", "print", str(issue_id), "--out", str(dutch), "--lang", "de").code == 2
    assert cli("issue", "print", "9999", "--out", str(dutch)).code == 1


def test_short_addresses_and_links_in_the_body() -> None:
    assert short_url("https://www.example.org/a/b/") == "example.org/a/b"
    assert short_url("https://example.org/" + "x" * 80) == "example.org/…"
    assert short_url("mailto:info@example.org") == "info@example.org"
    body, links = printable_body(
        '<p>Voir <a href="https://example.org/agenda">le site</a>, et <b>encore</b>.</p>'
    )
    assert body == (
        '<p>Voir <a href="https://example.org/agenda">le site</a>'
        '<span class="url"> (example.org/agenda)</span>, et <b>encore</b>.</p>'
    )
    assert [link.url for link in links] == ["https://example.org/agenda"]
    assert links[0].qr.startswith("data:image/svg+xml")
