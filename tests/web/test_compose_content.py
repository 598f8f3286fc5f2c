"""What goes into an issue, posted as bare actions (as scripts send them, without the
composer's fields): AGs and their PV, the coordinator's blocks, who gets an annex; hostile
input refused with a message."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image

from newsletter.service import Service
from tests.content.sample import PDF
from tests.web.conftest import Browser


def _setup(service: Service) -> tuple[int, int, int]:
    """A draft, an AG with a PV (past) and an upcoming AG; (issue, past AG, coming AG)."""
    past = service.editorial.create_assembly(
        title="AG de septembre", starts_at=datetime(2026, 9, 15, 16, 0, tzinfo=UTC), place="Salle"
    )
    service.editorial.attach_minutes(past.id, "PV septembre.pdf", PDF)
    coming = service.editorial.create_assembly(
        title="AG de printemps", starts_at=datetime(2099, 3, 15, 16, 0, tzinfo=UTC), place="Salle"
    )
    issue = service.editorial.draft_issue(title="Numéro de test")
    return issue.id, past.id, coming.id


def _flash(html: str) -> str:
    return html[html.find('class="flash') : html.find('class="flash') + 400]


def test_assemblies_and_their_pv_without_javascript(console: Browser, service: Service) -> None:
    issue, past, coming = _setup(service)
    url = f"/console/issues/{issue}"
    page = console.get(url).text
    assert 'id="assemblies"' in page and "AG de printemps" in page
    assert service.editorial.get_issue(issue).assemblies == [coming]
    # any AG: a past one too
    answer = console.post(f"{url}/assemblies", {"action": "add", "assembly_id": str(past)})
    assert answer.status_code == 303
    assert service.editorial.get_issue(issue).assemblies == [coming, past]
    page = console.get(url).text
    assert 'id="minutes-' in page and "PV de : AG de septembre" in page
    console.post(
        f"{url}/assemblies",
        {"action": "minutes", "assembly_id": str(coming), "minutes_from": str(past)},
    )
    summary = service.editorial.get_issue(issue)
    assert summary.minutes[str(coming)] == past and summary.annexes == ["PV septembre.pdf"]
    page = console.get(url).text
    assert f'<option value="{past}" selected>' in page
    console.post(f"{url}/assemblies", {"action": "remove", "assembly_id": str(coming)})
    summary = service.editorial.get_issue(issue)
    assert summary.assemblies == [past] and summary.annexes == []
    bad = console.post(f"{url}/assemblies", {"action": "add", "assembly_id": "abc"})
    assert bad.status_code == 303
    assert "flash-error" in console.get(url).text


def test_blocks_without_javascript(console: Browser, service: Service) -> None:
    issue, _past, _coming = _setup(service)
    url = f"/console/issues/{issue}"
    console.get(url)
    answer = console.post(
        f"{url}/blocks",
        {"kind": "text", "body_fr": "Le mot de la **coordination**", "body_nl": "",
         "place": "end", "audience": "members"},
    )  # fmt: skip
    assert answer.status_code == 303 and "#block-" in answer.headers["location"]
    page = console.get(url).text
    assert "Le mot de la **coordination**" in page and "NL manquant" in page
    block = service.issue_content.content(issue).blocks[0]
    assert block.place == "end" and block.audience == "members"
    console.post(
        f"{url}/blocks/{block.id}",
        {"action": "save", "body_fr": "Le mot de la **coordination**",
         "body_nl": "Het woord van de coördinatie", "place": "end", "audience": "all"},
    )  # fmt: skip
    block = service.issue_content.content(issue).blocks[0]
    assert block.languages == ["fr", "nl"] and block.audience == "all"
    preview = service.editorial.preview(issue, language="nl", membership="none")
    assert "Het woord van de coördinatie" in preview.html
    # a javascript: button is refused, with a message, and nothing is added
    console.get(url)
    console.post(
        f"{url}/blocks",
        {"kind": "button", "label_fr": "Cliquez", "url": "javascript:alert(1)",
         "place": "introduction", "audience": "all"},
    )  # fmt: skip
    page = console.get(url).text
    assert "http://" in _flash(page) and "flash-error" in page
    assert len(service.issue_content.content(issue).blocks) == 1
    console.post(f"{url}/blocks/{block.id}", {"action": "remove"})
    assert service.issue_content.content(issue).blocks == []


def test_image_block_upload(console: Browser, service: Service) -> None:
    issue, _past, _coming = _setup(service)
    url = f"/console/issues/{issue}"
    console.get(url)
    form = {"kind": "image", "image_alt_fr": "Une photo", "place": "introduction",
            "audience": "all", "csrf_token": console.token}  # fmt: skip
    refused = console.client.post(
        f"{url}/blocks", data=form, files={"image": ("photo.png", PDF, "image/png")}
    )
    assert refused.status_code == 303
    assert "flash-error" in console.get(url).text
    assert service.issue_content.content(issue).blocks == []
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "blue").save(out, "PNG")
    form["csrf_token"] = console.token
    accepted = console.client.post(
        f"{url}/blocks", data=form, files={"image": ("photo.png", out.getvalue(), "image/png")}
    )
    assert accepted.status_code == 303
    block = service.issue_content.content(issue).blocks[0]
    assert block.kind == "image" and block.image_name == "photo.jpg"
    assert 'alt="Une photo"' in service.editorial.preview(issue).html


def test_annex_audience_form(console: Browser, service: Service) -> None:
    issue, _past, coming = _setup(service)
    service.issue_content.remove_assembly(issue, coming)
    summary = service.editorial.add_issue_annex(issue, ("Budget.pdf", "application/pdf", PDF))
    url = f"/console/issues/{issue}"
    page = console.get(url).text
    annex = summary.annex_ids[0]
    assert f'id="annex-audience-{annex}"' in page
    console.post(f"{url}/annexes/{annex}/audience", {"audience": "members"})
    public = service.editorial.preview(issue, membership="none").eml
    assert b"Budget.pdf" not in public
    assert b"Budget.pdf" in service.editorial.preview(issue, membership="effectif").eml
