"""Content in French and Dutch: each reader gets their version, else the other one with a
visible note; the bilingual edition holds both; the record keeps both versions."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.context import Context
from newsletter.editorial.translate import translate_news
from newsletter.errors import ValidationError
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.preview import preview
from newsletter.service import Service
from newsletter.store.db import alembic_config
from newsletter.store.editorial import Assembly, Issue, NewsItem
from tests.content.test_render import check_golden, normalise
from tests.support.cli import Cli

FR_NOTE = "Ce message n'existe qu'en néerlandais."
NL_NOTE = "Dit bericht is enkel in het Frans beschikbaar."


def _read(ctx: Context, issue_id: int, lang: str) -> tuple[str, str, str]:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant(lang, "none")
    values = sample_personalization(
        ctx.settings, issue_id, lang, assembly_id=variant.rsvp_assembly_id
    )
    result = preview(variant, values)
    return variant.subject, result.html, result.text


def _calendar_files(ctx: Context, issue_id: int, lang: str) -> set[str]:
    """The names of the calendar files attached to the e-mail a ``lang`` reader gets."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant(lang, "none")
    values = sample_personalization(
        ctx.settings, issue_id, lang, assembly_id=variant.rsvp_assembly_id
    )
    message = message_from_bytes(variant.personalize(values), policy=default)
    return {
        str(part.get_filename())
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    }


def test_each_reader_gets_their_version_or_the_other_with_a_note(
    ctx: Context, issue_id: int
) -> None:
    """The sample has an item in FR+NL, one in NL only, one in FR only."""
    subject, html, text_part = _read(ctx, issue_id, "fr")
    assert subject == "Lettre d'information de novembre"
    for part in (html, text_part):
        assert "Permanence logement : nouveaux horaires" in part  # FR+NL: French
        assert "Huisvestingspermanentie" not in part
        assert "Infoavond over energiepremies" in part  # NL only: Dutch, with a note
        assert part.count(FR_NOTE) == 1
        assert "Offre d'emploi" in part and NL_NOTE not in part  # FR only: as is
    assert '<div lang="nl">' in html  # the Dutch text is marked as Dutch

    subject, html, text_part = _read(ctx, issue_id, "nl")
    assert subject == "Nieuwsbrief van november"
    for part in (html, text_part):
        assert "Huisvestingspermanentie: nieuwe uren" in part  # FR+NL: Dutch
        assert "Permanence logement" not in part
        assert "Meer over de permanentie" in part  # the Dutch link text
        assert "Infoavond over energiepremies" in part and FR_NOTE not in part
        assert "Offre d'emploi" in part  # FR only: French, with a note
        assert part.count(NL_NOTE) == 1
        assert "Veel leesplezier!" in part and "Bonne lecture" not in part
    assert 'alt="De gevel van het buurthuis"' in html
    assert '<div lang="fr">' in html


def test_bilingual_edition_holds_both_versions(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
    for lang in ("fr", "nl"):
        subject, html, text_part = _read(ctx, issue_id, lang)
        assert subject == "Lettre d'information de novembre / Nieuwsbrief van november"
        for part in (html, text_part):
            assert "Permanence logement" in part and "Huisvestingspermanentie" in part
            assert part.index("Bonne lecture") < part.index("Veel leesplezier")  # FR first
            # an item in one language shows once, in its own edition, without a note
            assert part.count("Infoavond over energiepremies") == 1
            assert part.count("Offre d'emploi") == 1
            assert FR_NOTE not in part and NL_NOTE not in part
        assert (
            'class="edition" lang="fr"' in html and 'class="edition edition-next" lang="nl"' in html
        )
        assert html.count("/rsvp/") == 1  # the answer link once, in the first edition
        # the labels of each edition are in its own language, the chrome in the reader's
        assert "Waar:" in html and "Où :" in html
        # both editions name the one calendar file attached, in the reader's language
        named = set(re.findall(r"A[GV]-[0-9-]+\.ics", html + text_part))
        assert named == _calendar_files(ctx, issue_id, lang)
        assert len(named) == 1 and named.pop().startswith("AV-" if lang == "nl" else "AG-")
        check_golden(f"issue-bilingual-{lang}.html", normalise(html))
        check_golden(f"issue-bilingual-{lang}.txt", normalise(text_part))


def test_a_translation_is_sanitised_limited_and_flagged(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        item = (
            session.query(NewsItem)
            .filter_by(title="Offre d'emploi : travailleur social (h/f/x)")
            .one()
        )
        translate_news(
            ctx.settings, item, "nl", title="Vacature: maatschappelijk werker",
            body='<p>Halftijds <a href="https://x.example.org">contract</a>.</p>'
            '<script>alert(1)</script><img src="https://x.example.org/a.png" alt="a">',
            body_format="html",
        )  # fmt: skip
        assert "<script" not in item.translations["nl"]["body_html"]
        assert versions.languages(item) == ["fr", "nl"]
        flags = [flag.render("fr") for flag in versions.structure_flags(item)]
        assert flags == ["La version NL a 1 lien(s), la version FR 0."]
        with pytest.raises(ValidationError) as too_long:
            translate_news(ctx.settings, item, "nl", title="T",
                           body="x" * (ctx.settings.news_max_body + 1))  # fmt: skip
        assert too_long.value.msg.render("nl").startswith("De tekst is te lang")
        with pytest.raises(ValidationError) as unknown:
            translate_news(ctx.settings, item, "de", title="Stelle", body="x")
        assert unknown.value.msg.render("fr") == (
            "Langue inconnue « de » : utilisez fr (français) ou nl (néerlandais)."
        )
        assert item.translations["nl"]["title"] == "Vacature: maatschappelijk werker"


def test_service_writes_both_versions_and_lists_languages(service: Service) -> None:
    item = service.editorial.submit_news(title="Opendeurdag", body="Welkom!", language="nl")
    assert item.languages == ["nl"]
    item = service.editorial.translate_news(
        item.id, "fr", title="Portes ouvertes", body="Bienvenue !"
    )
    assert item.languages == ["fr", "nl"] and item.as_json()["languages"] == ["fr", "nl"]
    assert item.title == "Opendeurdag" and item.language == "nl"  # the original stays
    with pytest.raises(ValidationError):
        service.editorial.submit_news(title="T", body="x", language="en")
    issue = service.editorial.draft_issue(
        title="Nieuwsbrief", language="nl", texts={"fr": {"title": "Lettre", "introduction": "I"}}
    )
    assert issue.language == "nl" and issue.languages == ["fr", "nl"]
    with pytest.raises(ValidationError):  # the original's title given twice, differently
        service.editorial.draft_issue(title="A", texts={"fr": {"title": "B"}})
    with pytest.raises(ValidationError):
        service.editorial.draft_issue(title="A", texts={"de": {"title": "B"}})
    default = service.editorial.draft_issue()
    assert default.languages == ["fr", "nl"]  # each language gets its default title


def test_migration_keeps_existing_content_as_french(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0010_news_notes")
        connection.execute(text(
            "INSERT INTO issues (number, title, introduction, status, status_reason, lists, "
            "public, created_at, updated_at) VALUES (1, 'Lettre', 'Intro', 'draft', '', '[]', "
            "1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO assemblies (uid, sequence, title, theme, starts_at, place, video_url, "
            "agenda, speakers, minutes_public, minutes_approval, proxy_limit, cancelled, "
            "created_at, updated_at) VALUES ('u', 0, 'AG', '', '2026-01-01 00:00:00', 'Ici', "
            "'', '[]', '[]', 0, '', 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))  # fmt: skip
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
    with Session(engine) as session:
        issue = session.query(Issue).one()
        assert versions.original_language(issue) == "fr" and issue.translations == {}
        assert issue.bilingual is False and versions.languages(issue) == ["fr"]
        assembly = session.query(Assembly).one()
        assert versions.shown_language(assembly, "nl") == "fr"
        assert versions.choose(assembly, "nl") == versions.Chosen("fr", fallback=True)
    engine.dispose()


def test_send_report_says_who_gets_a_fallback(
    ctx: Context, service: Service, issue_id: int
) -> None:
    from tests.delivery.helpers import add_subscribers

    add_subscribers(ctx, 5)  # 3 Dutch-speaking, 2 French-speaking, not members: "public"
    gaps = service.languages.gaps(issue_id, ["public"])
    assert gaps.readers == {"fr": 2, "nl": 3}
    counted: dict[str, int] = {}  # as the composer counts them, with the lists
    service.audience.lists_and_reach(["public"], counted)
    assert service.languages.gaps(issue_id, ["public"], counted).readers == gaps.readers
    # what issue send --yes reads from the snapshot instead: the same figures
    service.delivery.start_send(issue_id, ["public"])
    assert service.delivery.reader_languages(issue_id) == gaps.readers
    assert gaps.missing_items["nl"] and gaps.missing_items["fr"]
    assert gaps.missing("fr") == 1 and gaps.missing("nl") == 1  # one item each way
    assert [w.render("fr") for w in gaps.warnings()] == [
        "2 lecteur·rice(s) en français recevront 1 texte(s) dans l'autre langue.",
        "3 lecteur·rice(s) en néerlandais recevront 1 texte(s) dans l'autre langue.",
    ]
    assert gaps.warnings()[1].render("nl") == (
        "3 Nederlandstalige lezer(s) krijgen 1 tekst(en) in de andere taal."
    )
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
    assert service.languages.gaps(issue_id, ["public"]).warnings() == []  # both for all


def test_the_command_line_send_says_who_gets_a_fallback(
    ctx: Context, cli: Cli, issue_id: int
) -> None:
    from tests.delivery.helpers import add_subscribers

    add_subscribers(ctx, 5)  # 3 Dutch-speaking, 2 French-speaking
    result = cli("issue", "send", str(issue_id), "--to", "public", "--yes", "--catcher")
    assert result.code == 0, result.err
    err = " ".join(result.err.split())  # the terminal wraps long lines
    assert "3 lecteur·rice(s) en néerlandais recevront 1 texte(s) dans l'autre langue." in err
    assert "2 lecteur·rice(s) en français recevront 1 texte(s) dans l'autre langue." in err


def test_an_invitation_has_its_title_in_both_languages(ctx: Context, issue_id: int) -> None:
    from datetime import UTC, datetime

    from newsletter.editorial.assemblies import create_assembly
    from newsletter.editorial.invitations import prepare_invitation
    from newsletter.editorial.translate import set_assembly_version

    with ctx.db.session() as session:
        march = create_assembly(session, ctx.settings, title="AG de mars", place="Ici",
                                starts_at=datetime(2027, 3, 10, 13, 0, tzinfo=UTC))  # fmt: skip
        set_assembly_version(ctx.settings, march, "nl", title="AV van maart")
        invitation = prepare_invitation(session, ctx.settings, march)
        assert invitation.title == "Invitation : AG de mars"
        assert versions.field_in(invitation, "title", "nl") == "Uitnodiging: AV van maart"
