"""The PV cycle: a draft attached after the AG goes with the next invitation; recording
its approval makes it final in the archive; members-only PVs stay members-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import ValidationError
from newsletter.service import Service
from tests.assembly.conftest import add_assembly, rsvp_path
from tests.content.sample import PDF
from tests.support.cli import Cli
from tests.web.conftest import Browser

FINAL = PDF.replace(b"minutes of the assembly", b"final minutes, amended")


def test_draft_goes_with_the_next_invitation_then_approval_makes_it_final(
    cli: Cli, service: Service, browser: Browser, people: dict[str, int], tmp_path: Path
) -> None:
    past = add_assembly(service, days=-60)
    draft = tmp_path / "PV AG hiver.pdf"
    draft.write_bytes(PDF)
    service.editorial.attach_minutes(past, draft.name, draft.read_bytes())
    coming = service.editorial.create_assembly(
        title="AG de printemps", starts_at=service.editorial.get_assembly(past).starts_at.replace(
            year=service.editorial.get_assembly(past).starts_at.year + 1),
        place="Salle Exemple",
    )  # fmt: skip
    assert coming.previous_minutes is not None
    assert coming.previous_minutes.filename == "PV AG hiver.pdf"
    assert coming.agenda[0].startswith("Approbation du procès-verbal")
    invitation = service.assemblies.invitation(coming.id)
    annexes = [a.filename for a in service.editorial.prepare(invitation).view.annexes]
    assert "PV AG hiver.pdf" in annexes
    # on the web: listed as a draft, members only
    listing = browser.get("/minutes")
    assert "AG de printemps" in listing.text and "provisoire, à approuver" in listing.text
    assert f'href="/minutes/{past}/' not in listing.text  # a visitor cannot open it
    assert browser.get(f"/minutes/{past}/x.pdf").status_code == 404
    # approved with changes needs the final PDF
    with pytest.raises(ValidationError):
        service.assemblies.approve_minutes(past, "approved_with_changes")
    final = tmp_path / "PV AG hiver final.pdf"
    final.write_bytes(FINAL)
    result = cli("assembly", "approve-minutes", str(past), "--outcome", "approved-with-changes",
                 "--final", str(final), "--json")  # fmt: skip
    assert result.code == 0, result.err
    assert result.json() == {"assembly": past, "final": True, "approval": "approved_with_changes",
                             "public": False, "file": "PV AG hiver final.pdf"}  # fmt: skip
    listing = browser.get("/minutes")
    assert "définitif (approuvé avec modifications)" in listing.text
    assert browser.get(f"/minutes/{past}/x.pdf").status_code == 404  # still members only
    # a member who came through their RSVP link reads it, and gets the final version
    browser.get(rsvp_path(service, coming.id, people["accueil@maison.example.org"]))
    member = browser.get(f"/minutes/{past}/PV.pdf")
    assert member.status_code == 200 and member.content == FINAL
    # a PV made public is read by everyone
    service.assemblies.approve_minutes(past, "approved", public=True)
    browser.client.cookies.clear()
    assert browser.get(f"/minutes/{past}/PV.pdf").content == FINAL


def test_console_records_the_approval(
    console: Browser, service: Service, people: dict[str, int], tmp_path: Path
) -> None:
    past = add_assembly(service, days=-30)
    draft = tmp_path / "PV.pdf"
    draft.write_bytes(PDF)
    service.editorial.attach_minutes(past, draft.name, draft.read_bytes())
    page = console.get(f"/console/assemblies/{past}")
    assert 'id="pv-state"' in page.text and "PV provisoire" in page.text
    refused = console.client.post(
        f"/console/assemblies/{past}/minutes/approve",
        data={"csrf_token": console.token, "outcome": "approved_with_changes"},
        files={"file": ("PV final.txt", b"not a pdf", "text/plain")},
    )
    assert refused.status_code == 303
    assert not service.assemblies.minutes_archive()[0].final
    done = console.client.post(
        f"/console/assemblies/{past}/minutes/approve",
        data={"csrf_token": console.token, "outcome": "approved_with_changes", "public": "yes"},
        files={"file": ("PV final.pdf", FINAL, "application/pdf")},
    )
    assert done.status_code == 303
    entry = service.assemblies.minutes_archive()[0]
    assert entry.final and entry.public and entry.filename == "PV final.pdf"
    assert "PV définitif" in console.get(f"/console/assemblies/{past}").text
