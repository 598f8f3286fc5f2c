"""Creating an AG from the console and from the CLI: the same parsing of speakers and
agenda (``service.editorial.parse_speakers`` / ``parse_agenda``), the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.service import Service
from tests.support.cli import Cli
from tests.web.conftest import Browser

SPEAKERS = ["Marie Exemple, Maison de quartier", "Jan Voorbeeld"]
AGENDA = "1. Approbation du PV\n- Rapport d'activités\n\n* Divers\n"


def _create(door: str, console: Browser, cli: Cli, tmp_path: Path, speakers: list[str]) -> int:
    """The id of the AG created, or 0 when it was refused."""
    if door == "console":
        console.get("/console/assemblies/new")
        done = console.post("/console/assemblies/new", {
            "title": "AG de printemps", "starts_at": "2030-03-01T14:00",
            "place": "Salle Exemple", "agenda": AGENDA, "speakers": "\n".join(speakers),
        })  # fmt: skip
        if done.status_code == 400:
            return 0
        assert done.status_code == 303
        return int(done.headers["location"].rsplit("/", 1)[1])
    agenda = tmp_path / "agenda.txt"
    agenda.write_text(AGENDA, encoding="utf-8")
    args = ["assembly", "create", "--title", "AG de printemps", "--starts", "2030-03-01T14:00",
            "--place", "Salle Exemple", "--agenda", str(agenda), "--json"]  # fmt: skip
    for speaker in speakers:
        args += ["--speaker", speaker]
    result = cli(*args)
    if result.code == 1:
        return 0
    assert result.code == 0, result.err
    return int(result.json()["id"])


@pytest.mark.parametrize("door", ["console", "cli"])
def test_assembly_parsing_is_the_same_through_every_door(
    door: str, mailing: Service, console: Browser, mailing_cli: Cli, tmp_path: Path
) -> None:
    assembly_id = _create(door, console, mailing_cli, tmp_path, SPEAKERS)
    assert assembly_id
    created = mailing.editorial.get_assembly(assembly_id)
    assert created.speakers == [
        {"name": "Marie Exemple", "organisation": "Maison de quartier"},
        {"name": "Jan Voorbeeld", "organisation": ""},
    ]
    assert created.agenda == ["Approbation du PV", "Rapport d'activités", "Divers"]
    # a speaker without a name is refused the same way
    assert _create(door, console, mailing_cli, tmp_path, [", Maison de quartier"]) == 0
