"""The moderation queue: submission from any source, transitions with an audit trail."""

from __future__ import annotations

import pytest

from newsletter.context import Context
from newsletter.editorial.news_status import transition_news
from newsletter.errors import InvalidTransitionError, NotFoundError, ValidationError
from newsletter.intake.news import get_news, list_news, submit_news
from newsletter.models import Membership, NewsSource, NewsStatus
from tests.content.sample import add_organisation


def test_submit_finds_organisation_ignoring_case_and_accents(ctx: Context) -> None:
    with ctx.db.session() as session:
        org = add_organisation(session, "Maison Médicale de l'Exemple", Membership.full)
        item = submit_news(
            session, ctx.settings, title="  Titre\r\nBcc: x@example.com ", body="**x**",
            organisation_name="MAISON MEDICALE DE L EXEMPLE", sender="a@example.org",
            source=NewsSource.email,
        )  # fmt: skip
        assert item.organisation_id == org.id
        assert item.organisation_name == "Maison Médicale de l'Exemple"
        assert item.title == "Titre Bcc: x@example.com"
        assert item.body_html == "<p><strong>x</strong></p>"
        assert item.status is NewsStatus.pending
        assert [(e.from_status, e.to_status) for e in item.events] == [("", "pending")]


def test_unknown_organisation_and_oversized_attachment_leave_notes(ctx: Context) -> None:
    settings = ctx.settings.model_copy(update={"intake_max_attachment": 10})
    with ctx.db.session() as session:
        item = submit_news(
            session, settings, title="T", body="b", organisation_name="Inconnue ASBL",
            attachments=[("petit.pdf", "application/pdf", b"12345"),
                         ("gros.pdf", "application/pdf", b"x" * 11)],
        )  # fmt: skip
        assert item.organisation_id is None
        assert item.organisation_name == "Inconnue ASBL"
        assert "Inconnue ASBL" in item.note and "gros.pdf" in item.note
        assert [a.file.filename for a in item.attachments] == ["petit.pdf"]


def test_submit_rejects_bad_input(ctx: Context) -> None:
    with ctx.db.session() as session:
        with pytest.raises(ValidationError):
            submit_news(session, ctx.settings, title=" \n ", body="b")
        with pytest.raises(ValidationError):
            submit_news(session, ctx.settings, title="T", body="b", category="sport")
        with pytest.raises(ValidationError):
            submit_news(session, ctx.settings, title="T", body="b", link="javascript:alert(1)")
        with pytest.raises(NotFoundError):
            submit_news(session, ctx.settings, title="T", body="b", organisation_id=999)


def test_transitions_record_who_when_why(ctx: Context) -> None:
    with ctx.db.session() as session:
        item = submit_news(session, ctx.settings, title="T", body="b")
        with pytest.raises(ValidationError):
            transition_news(item, NewsStatus.rejected, actor="coord")
        transition_news(item, NewsStatus.changes_requested, actor="coord", reason="Ajoutez la date")
        transition_news(item, NewsStatus.pending, actor="partner@example.org")
        transition_news(item, NewsStatus.approved, actor="coord")
        with pytest.raises(InvalidTransitionError):
            transition_news(item, NewsStatus.changes_requested, actor="coord", reason="x")
        news_id = item.id
    with ctx.db.session() as session:
        item = get_news(session, news_id)
        trail = [(e.from_status, e.to_status, e.actor, e.reason) for e in item.events]
        assert trail == [
            ("", "pending", "", ""),
            ("pending", "changes_requested", "coord", "Ajoutez la date"),
            ("changes_requested", "pending", "partner@example.org", ""),
            ("pending", "approved", "coord", ""),
        ]
        assert all(e.at is not None and e.at.tzinfo is not None for e in item.events)
        assert [n.id for n in list_news(session, NewsStatus.approved)] == [news_id]
        assert list_news(session, NewsStatus.pending) == []
        transition_news(item, NewsStatus.published)
        with pytest.raises(InvalidTransitionError):
            transition_news(item, NewsStatus.approved)
