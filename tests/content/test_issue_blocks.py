"""What goes into an issue: any AG and its chosen PV (for members only), the
coordinator's own blocks (text, image, button) with their languages, places and
audiences, in the e-mail (HTML and text), the web version and the printed edition."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from newsletter.context import Context
from newsletter.errors import InvalidTransitionError, NotFoundError, ValidationError
from newsletter.render.model import load_issue_view
from newsletter.report.printable import printable_pdf
from newsletter.service import Service
from tests.content.sample import PDF, PNG
from tests.content.test_spamassassin import FAULTS
from tests.support.cli import Cli
from tests.support.spamd import Spamd

PV_NAME = "PV AG septembre 2026.pdf"


def _png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def _annexes(service: Service, issue_id: int, lang: str, membership: str) -> list[str]:
    variant = service.editorial.prepare(issue_id).variant(lang, membership)
    return [part.decode("latin-1") for part in variant.segments if isinstance(part, bytes)]


def _eml(service: Service, issue_id: int, membership: str, lang: str = "fr") -> bytes:
    return service.editorial.preview(issue_id, language=lang, membership=membership).eml


def _pdftotext(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


def _assemblies(service: Service, issue_id: int) -> tuple[int, int]:
    """(the December AG in the issue, the September AG with the PV)."""
    content = service.issue_content.content(issue_id)
    coming = content.assemblies[0].id
    previous = next(a.id for a in content.other_assemblies if a.has_minutes)
    return coming, previous


# --- AGs and their PV --------------------------------------------------------------------
def test_the_previous_pv_goes_with_the_ag_to_members_only(service: Service, issue_id: int) -> None:
    coming, previous = _assemblies(service, issue_id)
    summary = service.editorial.get_issue(issue_id)
    assert summary.minutes == {str(coming): previous}
    assert PV_NAME.encode() in _eml(service, issue_id, "effectif")
    assert PV_NAME.encode() in _eml(service, issue_id, "adherent")
    public = _eml(service, issue_id, "none")
    assert PV_NAME.encode() not in public
    assert b"application/pdf" not in public
    assert "PV AG septembre" not in service.editorial.web_version_html(issue_id, "fr")


def test_choose_another_pv_or_none(service: Service, issue_id: int) -> None:
    coming, previous = _assemblies(service, issue_id)
    other = service.editorial.create_assembly(
        title="AG de juin", starts_at=datetime(2026, 6, 10, 14, 0, tzinfo=UTC), place="Salle"
    )
    service.editorial.attach_minutes(other.id, "PV juin.pdf", PDF)
    service.issue_content.set_minutes(issue_id, coming, other.id)
    assert service.editorial.get_issue(issue_id).annexes == ["PV juin.pdf"]
    member = _eml(service, issue_id, "effectif")
    assert b"PV juin.pdf" in member and PV_NAME.encode() not in member
    service.issue_content.set_minutes(issue_id, coming, None)
    summary = service.editorial.get_issue(issue_id)
    assert summary.annexes == [] and summary.minutes == {str(coming): None}
    service.issue_content.set_minutes(issue_id, coming, previous)
    assert service.editorial.get_issue(issue_id).annexes == [PV_NAME]


def test_a_pv_must_exist_and_the_ag_be_in_the_issue(service: Service, issue_id: int) -> None:
    coming, previous = _assemblies(service, issue_id)
    bare = service.editorial.create_assembly(
        title="AG sans PV", starts_at=datetime(2026, 3, 1, 14, 0, tzinfo=UTC), place="Salle"
    )
    with pytest.raises(ValidationError):
        service.issue_content.set_minutes(issue_id, coming, bare.id)
    with pytest.raises(NotFoundError):
        service.issue_content.set_minutes(issue_id, previous, previous)
    assert service.editorial.get_issue(issue_id).annexes == [PV_NAME]  # nothing lost


def test_any_ag_added_or_removed(service: Service, issue_id: int) -> None:
    coming, previous = _assemblies(service, issue_id)
    # a past AG, which the draft did not pick
    service.issue_content.add_assembly(issue_id, previous)
    assert service.editorial.get_issue(issue_id).assemblies == [coming, previous]
    assert "AG de septembre" in service.editorial.preview(issue_id).html
    service.issue_content.remove_assembly(issue_id, coming)
    summary = service.editorial.get_issue(issue_id)
    assert summary.assemblies == [previous]
    assert summary.annexes == []  # the PV came with the December AG
    service.issue_content.remove_assembly(issue_id, previous)
    html = service.editorial.preview(issue_id).html
    assert "Assemblée générale de décembre" not in html and "AG de septembre" not in html


def test_cli_assembly_pv(cli: Cli, service: Service, issue_id: int) -> None:
    coming, previous = _assemblies(service, issue_id)
    result = cli("issue", "edit", str(issue_id), "--assembly-pv", f"{coming}=none", "--json")
    assert result.code == 0, result.err
    assert result.json()["minutes"] == {str(coming): None}
    assert service.editorial.get_issue(issue_id).annexes == []
    again = cli("issue", "edit", str(issue_id), "--assembly-pv", f"{coming}={previous}")
    assert again.code == 0, again.err
    assert service.editorial.get_issue(issue_id).annexes == [PV_NAME]
    assert cli("issue", "edit", str(issue_id), "--assembly-pv", "deux").code == 2
    missing = cli("issue", "edit", str(issue_id), "--assembly-pv", f"{coming}=99999")
    assert missing.code == 1 and missing.err.strip()
    assert service.editorial.get_issue(issue_id).annexes == [PV_NAME]


def test_annex_audience(service: Service, issue_id: int) -> None:
    summary = service.issue_life.edit(
        issue_id, remove_assemblies=[_assemblies(service, issue_id)[0]]
    )
    assert summary.annexes == []
    summary = service.editorial.add_issue_annex(issue_id, ("Budget.pdf", "application/pdf", PDF))
    annex = summary.annex_ids[0]
    assert b"Budget.pdf" in _eml(service, issue_id, "none")
    service.issue_content.set_annex_audience(issue_id, annex, "members")
    assert b"Budget.pdf" not in _eml(service, issue_id, "none")
    assert b"Budget.pdf" in _eml(service, issue_id, "adherent")
    with pytest.raises(ValidationError):
        service.issue_content.set_annex_audience(issue_id, annex, "tout-le-monde")


# --- blocks ------------------------------------------------------------------------------
def test_text_block_in_every_output(service: Service, ctx: Context, issue_id: int) -> None:
    service.issue_content.add_block(
        issue_id, "text", place="emploi",
        texts={"fr": {"body": "Le mot de la **coordination**."},
               "nl": {"body": "Het woord van de **coördinatie**."}},
    )  # fmt: skip
    fr = service.editorial.preview(issue_id, language="fr", membership="none")
    nl = service.editorial.preview(issue_id, language="nl", membership="none")
    assert "Le mot de la <strong>coordination</strong>." in fr.html
    assert "Het woord van de <strong>coördinatie</strong>." in nl.html
    assert "\n\nLe mot de la *coordination*." in fr.text.replace("\r\n", "\n")
    assert "coördinatie" in nl.text
    # after the job offers, before the annexes
    assert fr.html.index("Offre d'emploi") < fr.html.index("Le mot de la")
    assert fr.text.index("Offre d'emploi") < fr.text.index("Le mot de la")
    assert "Le mot de la" in service.editorial.web_version_html(issue_id, "fr")
    with ctx.db.session() as session:
        view = load_issue_view(session, ctx.settings, issue_id, "fr")
    printed = _pdftotext(printable_pdf(ctx.settings, view, "fr"))
    assert "Le mot de la coordination." in printed


def test_block_in_one_language_has_the_fallback_note(service: Service, issue_id: int) -> None:
    service.issue_content.add_block(
        issue_id, "text", texts={"fr": {"body": "Seulement en français."}}
    )
    nl = service.editorial.preview(issue_id, language="nl", membership="none")
    assert "Seulement en français." in nl.html
    assert "Dit bericht is enkel in het Frans beschikbaar." in nl.html
    assert "(Dit bericht is enkel in het Frans beschikbaar.)" in nl.text


def test_button_and_image_blocks(service: Service, ctx: Context, issue_id: int) -> None:
    service.issue_content.add_block(
        issue_id, "button", place="introduction", url="https://example.org/inscription",
        texts={"fr": {"label": "Je m'inscris"}, "nl": {"label": "Ik schrijf me in"}},
    )  # fmt: skip
    service.issue_content.add_block(
        issue_id, "image", place="end", image=("photo.png", "image/png", _png()),
        texts={"fr": {"image_alt": "La fête de quartier"}},
    )  # fmt: skip
    fr = service.editorial.preview(issue_id, language="fr", membership="none")
    assert 'href="https://example.org/inscription"' in fr.html and "Je m'inscris" in fr.html
    assert "Je m'inscris: https://example.org/inscription" in fr.text
    assert 'alt="La fête de quartier"' in fr.html and "[La fête de quartier]" in fr.text
    nl = service.editorial.preview(issue_id, language="nl", membership="none")
    assert "Ik schrijf me in" in nl.html
    assert 'alt="La fête de quartier"' in nl.html  # the only description there is
    with ctx.db.session() as session:
        view = load_issue_view(session, ctx.settings, issue_id, "fr")
    printed = _pdftotext(printable_pdf(ctx.settings, view, "fr"))
    assert "Je m'inscris" in printed and "example.org/inscription" in printed


def test_blocks_limited_to_a_membership(service: Service, ctx: Context, issue_id: int) -> None:
    service.issue_content.add_block(
        issue_id, "text", audience="effectif", texts={"fr": {"body": "Réservé aux effectifs."}}
    )
    service.issue_content.add_block(
        issue_id, "text", audience="public", texts={"fr": {"body": "Devenez membre !"}}
    )
    effectif = service.editorial.preview(issue_id, membership="effectif")
    adherent = service.editorial.preview(issue_id, membership="adherent")
    public = service.editorial.preview(issue_id, membership="none")
    assert "Réservé aux effectifs." in effectif.html and "Réservé aux effectifs." in effectif.text
    assert "Réservé aux effectifs." not in adherent.html + adherent.text
    assert "Réservé aux effectifs." not in public.html + public.text
    assert "Devenez membre" in public.html and "Devenez membre" not in effectif.html
    assert "Réservé aux effectifs." not in service.editorial.web_version_html(issue_id, "fr")
    with ctx.db.session() as session:
        view = load_issue_view(session, ctx.settings, issue_id, "fr")
    printed = _pdftotext(printable_pdf(ctx.settings, view, "fr"))
    assert "Réservé aux effectifs." not in printed and "Devenez membre" in printed


def test_limited_block_without_ag_makes_membership_variants(
    service: Service, issue_id: int
) -> None:
    coming, _previous = _assemblies(service, issue_id)
    service.issue_content.remove_assembly(issue_id, coming)
    prepared = service.editorial.prepare(issue_id)
    assert prepared.variant_key("fr", "effectif") == ("fr", "all")
    service.issue_content.add_block(
        issue_id, "text", audience="members", texts={"fr": {"body": "Pour les membres."}}
    )
    prepared = service.editorial.prepare(issue_id)
    assert prepared.variant_key("fr", "effectif") == ("fr", "effectif")
    assert "Pour les membres." in prepared.variant("fr", "adherent").html
    assert "Pour les membres." not in prepared.variant("fr", "none").html


def test_blocks_move_edit_remove_and_duplicate(service: Service, issue_id: int) -> None:
    content = service.issue_content
    first = content.add_block(issue_id, "text", texts={"fr": {"body": "Premier"}})
    second = content.add_block(issue_id, "text", texts={"fr": {"body": "Second"}})
    content.move_block(issue_id, second, -1)
    assert [b.id for b in content.content(issue_id).blocks] == [second, first]
    html = service.editorial.preview(issue_id).html
    assert html.index("Second") < html.index("Premier")
    # the first of its place moves into the place before it; the last into the next one
    content.move_block(issue_id, first, 1)
    assert content.content(issue_id).blocks[1].place == "assemblies"
    content.update_block(issue_id, first, texts={"nl": {"body": "Eerste"}}, audience="members")
    row = content.content(issue_id).blocks[1]
    assert row.texts["nl"]["body"] == "Eerste" and row.audience == "members"
    assert row.languages == ["fr", "nl"]
    copy = service.issue_life.duplicate(issue_id)
    assert len(copy.blocks) == 2 and copy.minutes == service.editorial.get_issue(issue_id).minutes
    content.remove_block(issue_id, second)
    assert [b.id for b in content.content(issue_id).blocks] == [first]
    with pytest.raises(NotFoundError):
        content.remove_block(issue_id, second)


def test_blocks_only_in_a_draft(service: Service, issue_id: int) -> None:
    block = service.issue_content.add_block(issue_id, "text", texts={"fr": {"body": "Texte"}})
    service.delivery.schedule(issue_id, datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidTransitionError):
        service.issue_content.update_block(issue_id, block, texts={"fr": {"body": "Changé"}})
    with pytest.raises(InvalidTransitionError):
        service.issue_content.add_block(issue_id, "text", texts={"fr": {"body": "Nouveau"}})


# --- hostile input -----------------------------------------------------------------------
def test_script_in_a_text_block_is_never_markup(service: Service, issue_id: int) -> None:
    service.issue_content.add_block(
        issue_id, "text",
        texts={"fr": {"body": '<script>alert(1)</script><img src=x onerror="alert(2)"> Bonjour'}},
    )  # fmt: skip
    html = service.editorial.preview(issue_id).html
    # Markdown shows inline HTML as text: written out, never an element
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    service.issue_content.add_block(
        issue_id, "text", body_format="html",
        texts={"fr": {"body": '<p onclick="x()">Ok</p><script>alert(3)</script>'
                              '<a href="javascript:alert(4)">lien</a>'}},
    )  # fmt: skip
    html = service.editorial.preview(issue_id).html
    assert "alert(3)" not in html and "javascript:" not in html and "onclick" not in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://exa mple.org", ""]
)
def test_button_needs_a_web_address(service: Service, issue_id: int, url: str) -> None:
    with pytest.raises(ValidationError):
        service.issue_content.add_block(
            issue_id, "button", url=url, texts={"fr": {"label": "Cliquez"}}
        )
    assert service.issue_content.content(issue_id).blocks == []
    block = service.issue_content.add_block(
        issue_id, "button", url="https://example.org/", texts={"fr": {"label": "Cliquez"}}
    )
    with pytest.raises(ValidationError):
        service.issue_content.update_block(issue_id, block, url=url)
    assert service.issue_content.content(issue_id).blocks[0].url == "https://example.org/"


def test_an_image_block_takes_only_images(service: Service, issue_id: int) -> None:
    for upload in (("flyer.png", "image/png", PDF), ("page.html", "text/html", b"<script>")):
        with pytest.raises(ValidationError):
            service.issue_content.add_block(
                issue_id, "image", image=upload, texts={"fr": {"image_alt": "Un flyer"}}
            )
    with pytest.raises(ValidationError):  # no description
        service.issue_content.add_block(issue_id, "image", image=("a.png", "image/png", PNG))
    assert service.issue_content.content(issue_id).blocks == []
    block = service.issue_content.add_block(
        issue_id, "image", image=("photo.png", "image/png", _png()),
        texts={"fr": {"image_alt": "Photo"}},
    )  # fmt: skip
    row = service.issue_content.content(issue_id).blocks[0]
    assert row.id == block and row.image_name == "photo.jpg"  # re-encoded by the policy


def test_unknown_kind_place_or_audience(service: Service, issue_id: int) -> None:
    texts = {"fr": {"body": "Texte"}}
    with pytest.raises(ValidationError):
        service.issue_content.add_block(issue_id, "video", texts=texts)
    with pytest.raises(ValidationError):
        service.issue_content.add_block(issue_id, "text", place="<b>", texts=texts)
    with pytest.raises(ValidationError):
        service.issue_content.add_block(issue_id, "text", audience="vip", texts=texts)
    with pytest.raises(ValidationError):
        service.issue_content.add_block(issue_id, "text", texts={"fr": {"body": "  "}})
    with pytest.raises(ValidationError):
        service.issue_content.add_block(issue_id, "text", texts={"de": {"body": "Text"}})


def test_spamassassin_finds_no_fault_with_blocks(
    service: Service, issue_id: int, spamd: Spamd
) -> None:
    content = service.issue_content
    content.add_block(issue_id, "text", texts={"fr": {"body": "Le mot de la **coordination**."}})
    content.add_block(
        issue_id, "button", place="end", url="https://example.org/inscription",
        texts={"fr": {"label": "Je m'inscris"}},
    )  # fmt: skip
    content.add_block(
        issue_id, "image", place="assemblies", image=("photo.png", "image/png", _png()),
        texts={"fr": {"image_alt": "La fête de quartier"}},
    )  # fmt: skip
    for membership in ("effectif", "none"):
        eml = _eml(service, issue_id, membership)
        report = spamd.report(eml)
        fired = set(re.findall(r"^\s*-?\d+\.\d+\s+([A-Z0-9_]+)\s", report, re.MULTILINE))
        assert "HTML_MESSAGE" in fired
        assert fired & FAULTS == set(), membership


def test_cli_block_add_and_remove(
    cli: Cli, service: Service, issue_id: int, tmp_path: Path
) -> None:
    text = tmp_path / "mot.md"
    text.write_text("Le mot de la **coordination**.", encoding="utf-8")
    added = cli("issue", "block", "add", str(issue_id), "--kind", "text", "--text-fr", str(text),
                "--place", "end", "--audience", "members", "--json")  # fmt: skip
    assert added.code == 0, added.err
    block = added.json()["id"]
    assert "Le mot de la" in service.editorial.preview(issue_id, membership="adherent").html
    assert "Le mot de la" not in service.editorial.preview(issue_id, membership="none").html
    bad = cli("issue", "block", "add", str(issue_id), "--kind", "button", "--label-fr", "Ici",
              "--url", "javascript:alert(1)")  # fmt: skip
    assert bad.code == 1 and "http" in bad.err
    picture = tmp_path / "flyer.png"
    picture.write_bytes(PDF)
    refused = cli("issue", "block", "add", str(issue_id), "--kind", "image", "--image",
                  str(picture), "--alt-fr", "Flyer")  # fmt: skip
    assert refused.code == 1 and refused.err.strip()
    assert [b.id for b in service.issue_content.content(issue_id).blocks] == [block]
    assert cli("issue", "block", "remove", str(issue_id), str(block)).code == 0
    assert service.issue_content.content(issue_id).blocks == []
