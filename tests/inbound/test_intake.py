"""The intake service on SQLite and PostgreSQL: every corpus message, exactly once."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from newsletter.context import Context
from newsletter.intake.mail.pipeline import Origin, process_message
from newsletter.intake.mail.source import RawMessage
from newsletter.models import InboundOutcome, NewsSource, NewsStatus
from newsletter.service import Service
from newsletter.store.editorial import NewsItem
from newsletter.store.intake import RAW_KEEP, InboundMessage
from tests.inbound.conftest import EXPECTED, add_partners, corpus, corpus_names
from tests.inbound.corpus.make_corpus import huge_message


def _items(ctx: Context) -> list[NewsItem]:
    with ctx.db.session() as session:
        items = list(session.scalars(select(NewsItem).order_by(NewsItem.id)))
        for item in items:
            _ = [a.file.filename for a in item.attachments]
        return items


def test_every_corpus_message_ends_as_expected(service: Service, ctx: Context) -> None:
    orgs = add_partners(ctx)
    outcomes = {}
    for name in corpus_names():
        result = service.intake.ingest_bytes(corpus(name), source="file")
        outcomes[name] = result.outcome.value
    assert outcomes == EXPECTED
    items = _items(ctx)
    assert len(items) == sum(1 for o in EXPECTED.values() if o == "item")
    assert all(i.status is NewsStatus.pending and i.source is NewsSource.email for i in items)
    by_title = {i.title: i for i in items}

    outlook = by_title["Journée portes ouvertes – 15 décembre"]
    assert outlook.organisation_id == orgs["soleil"]
    assert outlook.organisation_name == "ASBL Le Soleil"
    assert outlook.image_id is not None
    assert [a.file.filename for a in outlook.attachments] == ["Programme journée.pdf"]
    assert "journée portes ouvertes – le mardi 15 décembre" in outlook.body_html

    noord = by_title["Infosessie energiepremies - 10 december"]
    assert noord.organisation_id == orgs["noord"] and noord.language.value == "nl"
    assert "<li>Welke premies bestaan er?</li>" in noord.body_html

    stranger = by_title["Stage de théâtre pour ados"]
    assert stranger.organisation_id is None
    assert "Expéditeur inconnu" in stranger.note and "stages@theatre.example.org" in stranger.note
    assert "<script" not in stranger.body_html and "javascript:" not in stranger.body_html

    festival = by_title["Zomerfestival 2027 – affiche & uitnodiging"]
    assert "programme.exe" in festival.note and "photos.zip" in festival.note
    assert len(festival.attachments) == 2

    forwarded = by_title["Appel à projets 2027 : cohésion sociale"]
    assert "Pourriez-vous relayer" in forwarded.note
    assert by_title["Bourse aux vêtements d'hiver"].language.value == "fr"
    assert by_title["Nieuwsbrief december: stuur uw nieuws"].language.value == "nl"
    assert by_title["Appel à projets 2027 : cohésion sociale"].language.value == "fr"
    listed = by_title["Infolettre de novembre : nos activités"]
    assert "liste de diffusion" in listed.note


def test_the_same_message_twice_makes_one_item(service: Service, ctx: Context) -> None:
    add_partners(ctx)
    first = service.intake.ingest_bytes(corpus("18-duplicate.eml"))
    again = service.intake.ingest_bytes(corpus("18-duplicate.eml"))
    assert first.outcome is InboundOutcome.item and not first.duplicate
    assert again.outcome is InboundOutcome.ignored and again.duplicate
    assert again.news_id == first.news_id
    assert len(_items(ctx)) == 1
    with ctx.db.session() as session:
        rows = session.scalar(select(func.count()).select_from(InboundMessage))
    assert rows == 2


def test_same_mailbox_uid_is_not_processed_twice(ctx: Context) -> None:
    raw = RawMessage(corpus("20-unknown-sender-latin1.eml"), 0, False)
    origin = Origin("imap", "INBOX", 42, 7)
    with ctx.db.session() as session:
        first = process_message(session, ctx.settings, raw, origin)
    with ctx.db.session() as session:
        second = process_message(session, ctx.settings, raw, origin)
    assert second.duplicate and second.record_id == first.record_id
    assert len(_items(ctx)) == 1


def test_raw_message_is_kept_and_capped(service: Service, ctx: Context) -> None:
    add_partners(ctx)
    result = service.intake.ingest_bytes(corpus("06-attachment-names.eml"))
    assert service.intake.raw_message(result.record_id) == corpus("06-attachment-names.eml")
    big = huge_message(3 * 1024 * 1024)
    result = service.intake.ingest_bytes(big)
    kept = service.intake.raw_message(result.record_id)
    assert len(kept) == RAW_KEEP and big.startswith(kept)
    origin = service.intake.for_news(result.news_id or 0)
    assert origin is not None and origin.raw_truncated is True


def test_attachment_over_the_limit_and_message_over_the_cap(ctx: Context) -> None:
    settings = ctx.settings.model_copy(
        update={"intake_max_attachment": 1024 * 1024, "intake_max_message": 4 * 1024 * 1024}
    )
    service = Service(Context(settings=settings, db=ctx.db))
    add_partners(ctx)
    big_attachment = service.intake.ingest_stream(io.BytesIO(huge_message(2 * 1024 * 1024)))
    assert big_attachment.outcome is InboundOutcome.item
    [item] = _items(ctx)
    assert item.attachments == [] and "rapport-annuel.pdf" in item.note
    huge = service.intake.ingest_stream(io.BytesIO(huge_message(6 * 1024 * 1024)))
    assert huge.outcome is InboundOutcome.quarantine
    assert huge.reason is not None and "too large" in str(huge.reason)
    [row] = service.intake.quarantined()
    assert row.subject == "Rapport annuel 2026" and row.raw_truncated


def test_quarantine_keeps_the_reason_for_the_console(service: Service) -> None:
    service.intake.ingest_bytes(corpus("09-malformed-boundary.eml"))
    service.intake.ingest_bytes(corpus("22-no-sender.eml"))
    rows = service.intake.quarantined()
    reasons = {row.subject: row.reason_in() for row in rows}
    assert "structure MIME" in reasons["Repas solidaire"]
    assert "adresse d’expéditeur" in reasons["Annonce"]


def test_garbage_is_quarantined_not_raised(service: Service) -> None:
    for raw in (b"", b"\x00\xff garbage", b"Subject: x\r\n\r\n"):
        result = service.intake.ingest_bytes(raw)
        assert result.outcome is InboundOutcome.quarantine
