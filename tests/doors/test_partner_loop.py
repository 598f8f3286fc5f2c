"""The partner loop: a submission confirmed by a redirect (a reload or a double click adds
nothing), a request for changes whose e-mail links to the same item, corrected in place,
back in the queue as the same item with its history; the sender sees its state."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from newsletter.models import Membership
from newsletter.service import Service
from newsletter.web import create_app
from tests.content.sample import add_organisation
from tests.web.conftest import Browser, TestClient
from tests.web.smtp import SmtpServer


@pytest.fixture
def partner(mailing: Service) -> Iterator[Browser]:
    app = create_app(mailing.ctx, mailing)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield Browser(client)


def _form(page: str) -> dict[str, str]:
    key = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert key, "no one-time key in the form"
    return {
        "submission_key": key.group(1), "sender": "accueil@maison.example.org",
        "title": "Portes ouvertes", "category": "agenda", "body": "Samedi **10 h**.",
        "language": "fr", "action": "send",
    }  # fmt: skip


def test_partner_loop(mailing: Service, partner: Browser, smtp: SmtpServer) -> None:
    with mailing.ctx.db.session() as session:
        org_id = add_organisation(session, "Maison Exemple", Membership.full).id
    path = "/submit/" + mailing.partners.url(org_id).rsplit("/", 1)[1]
    data = _form(partner.get(path).text)
    first = partner.post(path, data)
    assert first.status_code == 303, first.text[:2000]
    location = first.headers["location"]
    assert location.startswith("/news-item/") and location.endswith("?sent=1")
    again = partner.post(path, data)  # the form sent twice: a double click, a reload
    assert again.status_code == 303
    same = again.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert mailing.tokens.news_item(same) == mailing.tokens.news_item(
        location.split("?")[0].rsplit("/", 1)[1]
    )
    assert len(mailing.editorial.list_news()) == 1
    confirmation = html.unescape(partner.get(location).text)
    assert "Merci, votre actualité est bien reçue" in confirmation
    assert "En attente" in confirmation
    assert len(mailing.editorial.list_news()) == 1  # reloading the confirmation adds nothing
    news_id = mailing.editorial.list_news()[0].id
    assert mailing.tokens.news_item(location.split("?")[0].rsplit("/", 1)[1]) == news_id
    received = len(smtp.recorder.wait_for(1))

    mailing.moderation.moderate(news_id, "changes", reason="Ajoutez l'adresse.", by="coord")
    mail = smtp.recorder.wait_for(received + 1)[-1]
    assert mail.recipients == ["accueil@maison.example.org"]
    link = re.search(r"https://\S+/news-item/\S+", mail.body())
    assert link, mail.body()
    item_path = link.group(0).removeprefix("https://news.example.org")
    assert mailing.tokens.news_item(item_path.rsplit("/", 1)[1]) == news_id  # the same item
    page = html.unescape(partner.get(item_path).text)
    assert "Ajoutez l'adresse." in page and 'value="Portes ouvertes"' in page
    corrected = partner.post(item_path, {
        "title": "Portes ouvertes — rue de l'Exemple 1", "category": "agenda",
        "body": "Samedi **10 h**, rue de l'Exemple 1.", "language": "fr",
    })  # fmt: skip
    assert corrected.status_code == 303 and corrected.headers["location"] == item_path
    items = mailing.editorial.list_news()
    assert [(i.id, i.status) for i in items] == [(news_id, "pending")]  # the same item
    assert items[0].title == "Portes ouvertes — rue de l'Exemple 1"
    history = [(e.from_, e.to) for e in mailing.editorial.news_history(news_id)]
    assert history[-2:] == [("pending", "changes_requested"), ("changes_requested", "pending")]
    assert "de nouveau chez la coordination" in html.unescape(partner.get(item_path).text)

    mailing.moderation.moderate(news_id, "approve", by="coord")
    approved = html.unescape(partner.get(item_path).text)
    assert "Approuvée" in approved and "Corriger votre actualité" not in approved
    refused = partner.post(item_path, {"title": "Trop tard", "body": "x", "category": "agenda"})
    assert refused.status_code == 400 and mailing.editorial.get_news(news_id).title != "Trop tard"


def test_a_forged_item_link_is_refused(partner: Browser) -> None:
    response = partner.get("/news-item/not-a-token")
    assert response.status_code in (400, 404)
