"""One rule says who may still edit a news item: the coordination until it is published,
its sender only while it waits in the queue or was sent back (``news_status.may_edit``).
The partner's page, the coordinator's corrections and the language versions all ask it."""

from __future__ import annotations

import html

import pytest

from newsletter import links
from newsletter.editorial.news_status import Editor, may_edit
from newsletter.errors import InvalidTransitionError
from newsletter.models import NewsStatus as S
from newsletter.service import Service
from newsletter.service.submissions import NewsForm
from newsletter.store.editorial import NewsItem
from tests.doors.test_partner_loop import partner  # noqa: F401  (fixture)
from tests.web.conftest import Browser


def test_who_may_edit_in_which_status() -> None:
    table = {(s, by): may_edit(s, by) for s in S for by in Editor}
    assert {s for (s, by), yes in table.items() if yes and by is Editor.sender} == {
        S.pending, S.changes_requested,
    }  # fmt: skip
    assert {s for (s, by), yes in table.items() if yes and by is Editor.coordinator} == {
        S.pending, S.changes_requested, S.approved,
    }  # fmt: skip
    assert may_edit("approved", Editor.coordinator) and not may_edit("approved", Editor.sender)


def _form(title: str) -> NewsForm:
    return NewsForm(title=title, body="Samedi.", category="agenda", sender="")


def _set_status(mailing: Service, news_id: int, status: S) -> None:
    with mailing.ctx.db.session() as session:
        item = session.get(NewsItem, news_id)
        assert item is not None
        item.status = status


def test_an_approved_item_is_the_coordinations_to_edit_not_the_senders(
    mailing: Service,
    partner: Browser,  # noqa: F811
) -> None:
    news_id = mailing.editorial.submit_news(
        title="Portes ouvertes", body="Samedi.", sender="accueil@maison.example.org"
    ).id
    path = links.news_item_url(mailing.ctx.settings, news_id).removeprefix(
        mailing.ctx.settings.base_url.rstrip("/")
    )
    assert 'name="title"' in partner.get(path).text  # pending: the sender may correct it
    mailing.partner_items.correct(news_id, _form("Portes ouvertes samedi"))
    mailing.moderation.moderate(news_id, "approve", by="coord")
    assert not mailing.partner_items.item(news_id).correctable
    with pytest.raises(InvalidTransitionError):
        mailing.partner_items.correct(news_id, _form("Encore"))
    page = html.unescape(partner.get(path).text)
    assert 'name="title"' not in page  # no form for what cannot be sent any more
    refused = partner.post(path, {"title": "Encore", "body": "Samedi.", "category": "agenda",
                                  "language": "fr"})  # fmt: skip
    assert refused.status_code == 400 and "Approuvée" in html.unescape(refused.text)
    mailing.submissions.edit(news_id, _form("Portes ouvertes, samedi"), actor="coord")
    mailing.editorial.translate_news(news_id, "nl", title="Opendeur", body="Zaterdag.")
    [item] = mailing.editorial.list_news()
    assert (item.title, item.status, item.languages) == (
        "Portes ouvertes, samedi", "approved", ["fr", "nl"],
    )  # fmt: skip


def test_a_published_item_is_edited_by_nobody(mailing: Service) -> None:
    news_id = mailing.editorial.submit_news(title="Bourse aux livres", body="Dimanche.").id
    mailing.editorial.translate_news(news_id, "nl", title="Boekenbeurs", body="Zondag.")
    _set_status(mailing, news_id, S.published)
    with pytest.raises(InvalidTransitionError):
        mailing.submissions.edit(news_id, _form("Autre"), actor="coord")
    with pytest.raises(InvalidTransitionError):
        mailing.editorial.translate_news(news_id, "nl", title="Ander", body="Zondag.")
    with pytest.raises(InvalidTransitionError):
        mailing.editorial.drop_news_version(news_id, "nl")
    with pytest.raises(InvalidTransitionError):
        mailing.partner_items.correct(news_id, _form("Autre"))
    [item] = mailing.editorial.list_news()
    assert (item.title, item.languages) == ("Bourse aux livres", ["fr", "nl"])
