"""Segment files: the rules, error reporting, exclusion, static subscribers."""

from __future__ import annotations

import shutil
from pathlib import Path

from newsletter.audience.segments import load_segments
from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["adherents", "aide-alimentaire", "comite", "effectifs", "logement", "membres",
           "public", "sante-mentale"]  # fmt: skip


def test_shipped_lists_load_without_error() -> None:
    segments, errors = load_segments(ROOT / "lists")
    assert errors == []
    assert sorted(segments) == SHIPPED
    assert segments["comite"].title == {"fr": "Comité d'accompagnement", "nl": "Begeleidingscomité"}


def test_a_broken_file_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    shutil.copy(ROOT / "lists" / "membres.yaml", tmp_path)
    (tmp_path / "casse.yaml").write_text("title: {fr: A, nl: B}\nmatch: [oops\n")
    (tmp_path / "cle.yaml").write_text("title: {fr: A, nl: B}\nmatch: {couleur: bleu}\n")
    (tmp_path / "titre.yaml").write_text("title: Seulement un titre\n")
    (tmp_path / "statut.yaml").write_text("title: {fr: A, nl: B}\nmatch: {membership: vip}\n")
    segments, errors = load_segments(tmp_path)
    assert list(segments) == ["membres"]
    messages = {e.file: e.problem.render("fr") for e in errors}
    assert set(messages) == {"casse.yaml", "cle.yaml", "titre.yaml", "statut.yaml"}
    assert messages["casse.yaml"].startswith("YAML invalide (ligne")
    assert "couleur" in messages["cle.yaml"]
    assert "néerlandais" in messages["titre.yaml"]
    assert "vip" in messages["statut.yaml"]


def test_match_exclude_and_static_subscribers(settings: Settings, tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement-fr.yaml").write_text(
        "title: {fr: Logement FR, nl: Huisvesting FR}\n"
        "match: {groups: [logement, sante-mentale], language: français}\n"
        "exclude: {roles: comite}\n"
        "subscribers: [Invite@Example.net]\n"
    )
    ctx = open_context(settings.model_copy(update={"lists_dir": lists}))
    try:
        service = Service(ctx)
        service.audience.import_members(
            (
                "organisation;email;langue;groupes;roles\n"
                "A;a@example.org;fr;logement;\n"  # in
                "B;b@example.org;nl;logement;\n"  # wrong language
                "C;c@example.org;fr;santé mentale;comité\n"  # excluded by role
                "D;d@example.org;fr;;\n"  # no group
                ";invite@example.net;nl;;\n"  # static
            ).encode(),
            "l.csv",
        )
        emails = [r.email for r in service.audience.recipients(["logement-fr"])]
        assert emails == ["a@example.org", "invite@example.net"]
        infos, errors = service.audience.lists()
        assert errors == [] and infos[0].count == 2
    finally:
        ctx.close()
