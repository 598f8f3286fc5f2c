"""The command-line contract of the audience commands."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli

FIXTURE = Path(__file__).parent.parent / "fixtures" / "annuaire.csv"


def test_import_list_unsubscribe_export(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").code == 0
    result = cli("members", "import", str(FIXTURE), "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert len(report["created"]) == 90
    assert [r["line"] for r in report["rejected"]] == [13, 31, 51]
    assert report["rejected"][0]["reason"] == "adresse e-mail manquante"
    merged = [w for w in report["warnings"] if w["line"] == 71]
    assert "ligne 7" in merged[0]["reason"] and "fusionn" in merged[0]["reason"]
    assert report["merged"] == 1
    assert report["columns"]["Courriel"] == "email"
    assert report["columns"]["Statut"] == "membership"
    assert report["ignored"] == [] and report["missing"] == []

    again = cli("members", "import", str(FIXTURE))
    assert again.code == 0
    assert "Créés : 0" in again.out and "inchangés : 90" in again.out
    assert "Lignes rejetées" in again.err

    lists = {row["id"]: row for row in cli("lists", "--json").json()}
    assert lists["effectifs"]["count"] == 57
    assert lists["comite"]["title"] == "Comité d'accompagnement"

    comite = cli("subscribers", "list", "--list", "comite", "--json").json()
    assert len(comite) == 10
    assert set(comite[0]) == {"email", "name", "organisation", "membership", "language",
                              "groups", "roles", "status"}  # fmt: skip
    assert all("comite" in row["roles"] for row in comite)

    target = comite[0]["email"]
    assert cli("subscribers", "unsubscribe", target, "--list", "comite").code == 0
    assert len(cli("subscribers", "list", "--list", "comite", "--json").json()) == 9
    assert cli("subscribers", "unsubscribe", target).code == 0
    everyone = {row["email"]: row["status"] for row in cli("subscribers", "list", "--json").json()}
    assert everyone[target] == "unsubscribed"

    out = tmp_path / "export.csv"
    assert cli("members", "export", str(out)).code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_dry_run_and_errors(cli: Cli, tmp_path: Path) -> None:
    dry = cli("members", "import", str(FIXTURE), "--dry-run", "--json")
    assert dry.code == 0 and dry.json()["dry_run"] is True
    assert cli("subscribers", "list", "--json").json() == []

    missing = cli("members", "import", str(tmp_path / "absent.csv"))
    assert missing.code == 1
    assert missing.err.startswith("Erreur : Impossible de lire")
    assert len(missing.err.strip().splitlines()) == 1

    unknown = cli("subscribers", "list", "--list", "inexistante")
    assert unknown.code == 1 and "Liste inconnue" in unknown.err

    nobody = cli("subscribers", "unsubscribe", "nobody@example.org")
    assert nobody.code == 1 and "Aucun abonné" in nobody.err

    assert cli("members", "import").code == 2
    assert cli("no-such-command").code == 2


def test_import_names_every_column_and_takes_matches_by_hand(cli: Cli, tmp_path: Path) -> None:
    from tests.audience.sheets import write_table

    path = tmp_path / "annuaire.csv"
    path.write_text(
        "Entité;MANDATAIRES;Courriel;Téléphone\nASBL A;Ann;ann@example.org;02 640\n"
        "ASBL B;Bob;bob@;02 641\n",
        encoding="cp1252",
    )
    dry = cli("members", "import", str(path), "--dry-run")
    assert dry.code == 0
    assert "Colonnes ignorées : Entité, Téléphone" in dry.out
    assert "Aucune colonne d'organisation trouvée" in dry.err
    assert "Aucune colonne de statut de membre trouvée" in dry.err
    assert cli("subscribers", "list", "--json").json() == []

    rejected = tmp_path / "rejets.csv"
    result = cli("members", "import", str(path), "--map", "Entité=organisation", "--json",
                 "--rejected", str(rejected))  # fmt: skip
    assert result.code == 0, result.err
    report = result.json()
    assert report["columns"] == {"Entité": "organisation", "MANDATAIRES": "name",
                                 "Courriel": "email", "Téléphone": None}  # fmt: skip
    assert report["ignored"] == ["Téléphone"] and report["missing"] == ["membership"]
    assert [row["organisation"] for row in cli("subscribers", "list", "--json").json()] == [
        "ASBL A"
    ]
    assert "bob@" in rejected.read_bytes().decode("utf-8-sig")

    bad = cli("members", "import", str(path), "--map", "Courriel=adresse")
    assert bad.code == 1 and "Champ inconnu" in bad.err

    sheet = write_table(tmp_path / "annuaire", "xlsx", ["Organisation", "Courriel", "Statut"],
                        [["ASBL C", "cleo@example.org", "adhérent"]], title="Annuaire")  # fmt: skip
    missing_sheet = cli("members", "import", str(sheet), "--sheet", "Feuil9")
    assert missing_sheet.code == 1 and "Répertoire" in missing_sheet.err
    notes = cli("members", "import", str(sheet), "--sheet", "Notes")
    assert notes.code == 1 and "Aucune colonne d'adresse e-mail" in notes.err
    good = cli("members", "import", str(sheet), "--sheet", "1", "--json")
    assert good.code == 0 and good.json()["sheet"] == "Répertoire"
    assert good.json()["memberships"]["adherent"] == 1
