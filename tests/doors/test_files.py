"""One file policy, whatever the door: the public form, the partner link, the console,
the CLI and e-mail refuse the same files for the same reason, and never answer 500.

A PNG of a few hundred bytes that declares 100 000 × 100 000 pixels is refused before
it is decoded (it would need tens of gigabytes); a file named ``.pdf`` that is not a PDF
is refused everywhere.
"""

from __future__ import annotations

import io
import struct
import zlib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from PIL import Image

from newsletter.service import Service
from tests.support.cli import Cli
from tests.web.conftest import Browser

FORM = {"title": "Atelier vélo", "body": "Samedi **10 h**.", "category": "agenda",
        "sender": "accueil@maison.example.org", "language": "fr"}  # fmt: skip
NOT_A_PDF = b"MZ\x90\x00 a program named like a flyer"


def huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid tiny PNG whose header declares ``width`` × ``height`` pixels."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 80, 140)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _count(service: Service) -> int:
    return len(service.editorial.list_news())


#: over our limit (IMAGE_MAX_PIXELS, 25 million) but under Pillow's own
OURS = (8_000, 8_000)


def test_the_bombs_are_small_and_declare_huge_dimensions() -> None:
    for size in ((100_000, 100_000), OURS):
        data = huge_png(*size)
        assert len(data) < 1024
        assert struct.unpack(">II", data[16:24]) == size


def test_huge_image_refused_on_the_public_form(mailing: Service, console: Browser) -> None:
    page = console.get("/submit")
    assert page.status_code == 200
    for size, shown in ((OURS, "8000 × 8000 pixels"), ((100_000, 100_000), "trop grande")):
        response = console.client.post(
            "/submit", data=dict(FORM, csrf_token=console.token),
            files={"image": ("affiche.png", huge_png(*size), "image/png")},
        )  # fmt: skip
        assert response.status_code == 400
        assert shown in response.text and "trop grande" in response.text
    assert _count(mailing) == 0
    # a normal picture still goes through, re-encoded
    fine = console.client.post(
        "/submit", data=dict(FORM, csrf_token=console.token),
        files={"image": ("affiche.png", small_png(), "image/png")},
    )  # fmt: skip
    assert fine.status_code == 303, fine.text  # POST-redirect-GET to the item
    assert _count(mailing) == 1


def test_huge_image_refused_in_the_console(mailing: Service, console: Browser) -> None:
    console.get("/console/news/new")
    response = console.client.post(
        "/console/news/new", data=dict(FORM, csrf_token=console.token),
        files={"image": ("affiche.png", huge_png(*OURS), "image/png")},
    )  # fmt: skip
    assert response.status_code == 400
    assert "8000 × 8000 pixels" in response.text
    assert _count(mailing) == 0


def test_huge_image_refused_by_the_cli(mailing: Service, mailing_cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "news.md"
    body.write_text("Samedi.", encoding="utf-8")
    image = tmp_path / "affiche.png"
    image.write_bytes(huge_png(*OURS))
    result = mailing_cli("news", "submit", "--title", "Atelier", "--body", str(body),
                         "--image", str(image), "--json")  # fmt: skip
    assert result.code == 1 and result.out == ""
    assert "8000 × 8000" in result.err
    assert _count(mailing) == 0


def _mail(sender: str, attachments: list[tuple[str, str, bytes]]) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "actus@example.org"
    message["Subject"] = "Atelier vélo samedi"
    message["Message-ID"] = "<atelier-1@maison.example.org>"
    message.set_content("Bonjour,\n\nAtelier vélo samedi à 10 h.\n")
    for name, content_type, data in attachments:
        main, sub = content_type.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return message.as_bytes(policy=SMTP)


def _partner(service: Service) -> str:
    service.audience.import_members(
        b"organisation;nom;email;statut;langue;groupes\n"
        b"Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;logement\n",
        "annuaire.csv",
    )
    return "accueil@maison.example.org"


def test_huge_image_and_fake_pdf_refused_from_email(mailing: Service) -> None:
    sender = _partner(mailing)
    raw = _mail(sender, [("affiche.png", "image/png", huge_png(*OURS)),
                         ("bombe.png", "image/png", huge_png()),
                         ("flyer.pdf", "application/pdf", NOT_A_PDF)])  # fmt: skip
    result = mailing.intake.ingest_bytes(raw)
    assert result.news_id is not None  # the item is kept, the files are not
    item = mailing.console.news_detail(result.news_id)
    assert item.image is None and item.attachments == []
    assert "affiche.png : image trop grande (8000 × 8000 pixels" in item.note_in("fr")
    assert "bombe.png : image trop grande" in item.note_in("fr")
    assert "flyer.pdf" in item.note_in("fr")


def test_email_images_are_reencoded_as_form_images(mailing: Service) -> None:
    sender = _partner(mailing)
    jpeg = io.BytesIO()
    Image.new("RGB", (2400, 1200), (1, 2, 3)).save(jpeg, "JPEG", exif=b"Exif\x00\x00secret")
    result = mailing.intake.ingest_bytes(_mail(sender, [("photo.jpg", "image/jpeg",
                                                         jpeg.getvalue())]))  # fmt: skip
    assert result.news_id is not None
    item = mailing.console.news_detail(result.news_id)
    assert item.image is not None
    _ref, data = mailing.console.file(item.image.id)
    with Image.open(io.BytesIO(data)) as stored:
        assert max(stored.size) == 1600 and "exif" not in stored.info


def test_fake_pdf_refused_by_every_door(
    mailing: Service, console: Browser, mailing_cli: Cli, tmp_path: Path
) -> None:
    console.get("/console/news/new")
    by_console = console.client.post(
        "/console/news/new", data=dict(FORM, csrf_token=console.token),
        files={"files": ("flyer.pdf", NOT_A_PDF, "application/pdf")},
    )  # fmt: skip
    assert by_console.status_code == 400 and "PDF" in by_console.text
    by_form = console.client.post(
        "/submit", data=dict(FORM, csrf_token=console.token),
        files={"files": ("flyer.pdf", NOT_A_PDF, "application/pdf")},
    )  # fmt: skip
    assert by_form.status_code == 400 and "PDF" in by_form.text
    body = tmp_path / "news.md"
    body.write_text("Samedi.", encoding="utf-8")
    flyer = tmp_path / "flyer.pdf"
    flyer.write_bytes(NOT_A_PDF)
    by_cli = mailing_cli("news", "submit", "--title", "T", "--body", str(body),
                         "--attach", str(flyer))  # fmt: skip
    assert by_cli.code == 1 and "PDF" in by_cli.err
    assert _count(mailing) == 0
    # AG minutes and issue annexes follow the same rule
    assembly = mailing_cli("assembly", "create", "--title", "AG", "--starts",
                           "2030-03-01T14:00", "--place", "Salle", "--json")  # fmt: skip
    assert assembly.code == 0, assembly.err
    minutes = mailing_cli("assembly", "minutes", str(assembly.json()["id"]), str(flyer))
    assert minutes.code == 1 and "PDF" in minutes.err
    url = f"/console/assemblies/{assembly.json()['id']}"
    console.get(url)
    by_page = console.client.post(
        f"{url}/minutes", data={"csrf_token": console.token},
        files={"file": ("pv.pdf", NOT_A_PDF, "application/pdf")},
    )  # fmt: skip
    assert by_page.status_code == 303
    assert mailing.editorial.get_assembly(assembly.json()["id"]).minutes is None
