"""News notes are stored as message ids and parameters, translated when shown; the
migration turns the old French text into notes that read as before."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from newsletter.i18n import N_, Msg
from newsletter.service import Service
from newsletter.store.db import alembic_config
from newsletter.store.editorial import NewsItem


def test_notes_are_translated_when_shown(service: Service) -> None:
    item = service.editorial.submit_news(title="T", body="x", organisation="ASBL Inconnue",
                                         notes=[Msg(N_("Proposed through the public form "
                                                       "(not a member)"))])  # fmt: skip
    with service.ctx.db.session() as session:
        row = session.get(NewsItem, item.id)
        assert row is not None
        assert row.notes == [
            {"msgid": "Proposed through the public form (not a member)", "params": {}},
            {"msgid": "Organisation not in the directory: {name}",
             "params": {"name": "ASBL Inconnue"}},
        ]  # fmt: skip
    detail = service.console.news_detail(item.id)
    assert detail.note_in("fr").splitlines() == [
        "Proposée par le formulaire public (pas un membre)",
        "Organisation absente du répertoire : ASBL Inconnue",
    ]
    assert "Organisatie niet in de lijst: ASBL Inconnue" in detail.note_in("nl")
    # the CLI's JSON keeps its "note" text (French, as before)
    assert item.as_json()["note"] == detail.note_in("fr")


def test_migration_keeps_old_french_notes(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0007_assemblies")
        connection.execute(text(
            "INSERT INTO news_items (title, body_html, body_source, category, link, "
            "event_place, image_alt, language, source, status, status_reason, note, "
            "organisation_name, sender, created_at, updated_at) VALUES ('T', '', '', "
            "'agenda', '', '', '', 'fr', 'email', 'pending', '', "
            "'Expéditeur inconnu : a@b.c {x}\nListe de diffusion', '', '', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))  # fmt: skip
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
    with engine.connect() as connection:
        columns = [r[1] for r in connection.execute(text("PRAGMA table_info(news_items)"))]
        assert "note" not in columns and "notes" in columns
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        row = session.query(NewsItem).one()
        assert row.note_messages[0].render("nl") == "Expéditeur inconnu : a@b.c {x}"
        assert row.note == "Expéditeur inconnu : a@b.c {x}\nListe de diffusion"
    engine.dispose()
