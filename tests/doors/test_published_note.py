"""A news item published by an issue carries the note "published in issue no. N" as a
message id and its number, read in the coordinator's language in the console and in the
partner's on their item's page."""

from __future__ import annotations

import html
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from newsletter import links
from newsletter.editorial.news_status import PUBLISHED_IN
from newsletter.service import Service
from newsletter.store.db import alembic_config
from newsletter.store.editorial import NewsEvent, NewsItem
from tests.delivery.helpers import add_subscribers
from tests.doors.test_issue_life import _issue
from tests.doors.test_partner_loop import partner  # noqa: F401  (fixture)
from tests.support.cli import Cli
from tests.support.delivery import deliver
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer


def test_the_published_note_in_each_readers_language(
    mailing: Service,
    console: Browser,
    partner: Browser,  # noqa: F811
    mailing_cli: Cli,
    smtp: SmtpServer,
) -> None:
    add_subscribers(mailing.ctx, 2)
    issue_id = _issue(mailing, ["public"])
    number = mailing.editorial.get_issue(issue_id).number
    mailing.delivery.start_send(issue_id)
    deliver(mailing, issue_id)
    with mailing.ctx.db.session() as session:
        item = session.scalars(select(NewsItem).where(NewsItem.status == "published")).first()
        assert item is not None
        news_id, stored = item.id, (item.status_reason, item.status_reason_params)
        event = item.events[-1]
        assert (event.reason, event.reason_params) == (PUBLISHED_IN, {"number": number})
    assert stored == (PUBLISHED_IN, {"number": number})  # no text in any language
    french, dutch = f"publiée dans le numéro {number}", f"gepubliceerd in nummer {number}"
    page = html.unescape(console.get(f"/console/news/{news_id}").text)
    assert french in page and "issue " + str(number) not in page
    console.get("/lang/nl")
    page = html.unescape(console.get(f"/console/news/{news_id}").text)
    assert dutch in page and french not in page
    path = links.news_item_url(mailing.ctx.settings, news_id).removeprefix(
        mailing.ctx.settings.base_url.rstrip("/")
    )
    assert french in html.unescape(partner.get(path).text)
    partner.get("/lang/nl")
    assert dutch in html.unescape(partner.get(path).text)
    listed = mailing_cli("news", "list", "--status", "published", "--json").json()
    assert {d["status_reason"] for d in listed if d["id"] == news_id} == {french}
    [last] = mailing.editorial.news_history(news_id)[-1:]
    assert (last.reason_in("fr"), last.reason_in("nl")) == (french, dutch)


def test_the_migration_turns_issue_n_into_the_message(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0018_issue_blocks")
        for news_id, status, reason in ((1, "published", "issue 4"),
                                        (2, "rejected", "issue 4 is full")):  # fmt: skip
            connection.execute(text(
                "INSERT INTO news_items (id, title, body_html, body_source, sender, "
                "organisation_name, category, link, link_text, event_place, image_alt, "
                "language, translations, source, status, status_reason, notes, created_at, "
                "updated_at) VALUES (:id, 'T', '', '', '', '', '', '', '', '', '', 'fr', '{}', "
                "'coordinator', :status, :reason, '[]', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')"
            ), {"id": news_id, "status": status, "reason": reason})  # fmt: skip
            connection.execute(text(
                "INSERT INTO news_events (news_id, from_status, to_status, actor, reason, at) "
                "VALUES (:id, 'approved', :status, '', :reason, '2026-01-01 00:00:00')"
            ), {"id": news_id, "status": status, "reason": reason})  # fmt: skip
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0019_news_reasons")
    with Session(engine) as session:
        items = {i.id: i for i in session.scalars(select(NewsItem))}
        events = {e.news_id: e for e in session.scalars(select(NewsEvent))}
        assert (items[1].status_reason, items[1].status_reason_params) == (
            PUBLISHED_IN, {"number": 4},
        )  # fmt: skip
        assert (events[1].reason, events[1].reason_params) == (PUBLISHED_IN, {"number": 4})
        assert items[1].reason is not None and items[1].reason.render("nl") == (
            "gepubliceerd in nummer 4"
        )
        # a coordinator's words stay as written
        assert (items[2].status_reason, items[2].status_reason_params) == ("issue 4 is full", None)
        assert items[2].reason is not None and items[2].reason.render("nl") == "issue 4 is full"
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0018_issue_blocks")
        found = connection.execute(text("SELECT id, status_reason FROM news_items")).all()
        trail = connection.execute(text("SELECT news_id, reason FROM news_events")).all()
    assert sorted((int(a), str(b)) for a, b in found) == [(1, "issue 4"), (2, "issue 4 is full")]
    assert sorted((int(a), str(b)) for a, b in trail) == [(1, "issue 4"), (2, "issue 4 is full")]
    engine.dispose()
