"""The composer's list figures, counted in one pass, equal the recipients a send takes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from newsletter.audience.segments import count_lists, iter_recipients, load_segments
from newsletter.service import Service
from newsletter.store.audience import ListOptOut, Subscriber

DIRECTORY = """organisation;nom;email;statut;groupes;langue;roles
Maison Exemple;Ana;ana@example.org;effectif;logement;fr;comite
Maison Exemple;Bo;bo@example.org;effectif;sante-mentale;nl;
Huis Voorbeeld;Cy;cy@example.org;adherent;logement,aide-alimentaire;nl;
Huis Voorbeeld;Di;di@example.org;adherent;;fr;comite
"""


def test_counts_match_the_recipients_of_a_send(service: Service, tmp_path: Path) -> None:
    service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
    lists = tmp_path / "lists"
    lists.mkdir()
    for source in Path(service.ctx.settings.lists_dir).glob("*.yaml"):
        (lists / source.name).write_bytes(source.read_bytes())
    (lists / "invites.yaml").write_text(
        "title: {fr: Invités, nl: Genodigden}\nmatch:\n  organisation: Maison Exemple\n"
        "subscribers:\n  - di@example.org\n",
        encoding="utf-8",
    )
    segments, errors = load_segments(lists)
    assert errors == []
    with service.ctx.db.session() as session:
        ana = session.query(Subscriber).filter_by(email_key="ana@example.org").one()
        session.add(ListOptOut(subscriber_id=ana.id, list_id="logement"))
    with service.ctx.db.session() as session:
        languages: dict[str, int] = {}
        counts, reach = count_lists(session, segments, ["logement", "comite", "invites"], languages)
        for list_id in segments:
            expected = sum(1 for _ in iter_recipients(session, segments, [list_id]))
            assert counts[list_id] == expected, list_id
        together = sum(
            1 for _ in iter_recipients(session, segments, ["logement", "comite", "invites"])
        )
        by_language = Counter(
            r.language
            for r in iter_recipients(session, segments, ["logement", "comite", "invites"])
        )
    assert reach == together == 4
    assert languages == dict(by_language) and sum(languages.values()) == 4
    assert counts["logement"] == 1  # Ana left it; Cy stays
    assert counts["invites"] == 3  # Ana and Bo by organisation, Di by address
