"""Moderating a news item has the same effect from the console and from the CLI:
the same status, the same reason in the history, the same e-mail to the partner."""

from __future__ import annotations

import pytest

from newsletter.service import Service
from tests.support.cli import Cli
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer

PARTNER = "partenaire@example.org"
REASON = "Hors sujet pour la lettre"


def _item(service: Service, *, approved: bool = False) -> int:
    item = service.editorial.submit_news(
        title="Portes ouvertes", body="Samedi **10 h**.", sender=PARTNER, language="nl"
    )
    if approved:
        service.moderation.moderate(item.id, "approve", by="setup")
    return item.id


def _through(door: str, console: Browser, cli: Cli, news_id: int, action: str) -> None:
    reason = REASON if action in ("reject", "changes") else ""
    if door == "console":
        console.get(f"/console/news/{news_id}")
        response = console.post(
            f"/console/news/{news_id}/decide", {"action": action, "reason": reason}
        )
        assert response.status_code == 303
        return
    args = ["news", action, str(news_id), "--json"]
    if reason:
        args += ["--reason", reason]
    result = cli(*args)
    assert result.code == 0, result.err
    assert result.json()["id"] == news_id


EXPECTED = {
    # action: (status after, subject of the e-mail the partner gets, in Dutch)
    "approve": ("approved", None),
    "reject": ("rejected", "Uw nieuwsbericht werd niet aanvaard"),
    "changes": ("changes_requested", "Uw nieuwsbericht moet aangepast worden"),
    "reopen": ("pending", None),
}


@pytest.mark.parametrize("door", ["console", "cli"])
@pytest.mark.parametrize("action", list(EXPECTED))
def test_moderation_is_the_same_through_every_door(
    door: str, action: str, mailing: Service, console: Browser, mailing_cli: Cli,
    smtp: SmtpServer,
) -> None:  # fmt: skip
    news_id = _item(mailing, approved=action == "reopen")
    _through(door, console, mailing_cli, news_id, action)

    status, subject = EXPECTED[action]
    item = mailing.editorial.get_news(news_id)
    assert item.status == status
    last = mailing.editorial.news_history(news_id)[-1]
    assert last.to == status
    assert last.reason_in() == (REASON if action in ("reject", "changes") else "")
    assert last.actor in ("cli", "coordination@example.org")
    if subject is not None:
        smtp.recorder.wait_for(1)
        told = smtp.recorder.to(PARTNER)
        assert len(told) == 1
        message = told[0].message
        body = message.get_body(("plain",))
        assert body is not None and REASON in body.get_content()
        # in the partner's language (the item was written in Dutch)
        assert str(message["Subject"]) == subject
    else:
        assert smtp.recorder.to(PARTNER) == []


@pytest.mark.parametrize("door", ["console", "cli"])
def test_a_reason_over_the_limit_is_refused_by_every_door(
    door: str, mailing: Service, console: Browser, mailing_cli: Cli, smtp: SmtpServer
) -> None:
    news_id = _item(mailing)
    reason = "x" * (mailing.ctx.settings.news_max_body + 1)
    if door == "console":
        console.get(f"/console/news/{news_id}")
        response = console.post(
            f"/console/news/{news_id}/decide", {"action": "reject", "reason": reason}
        )
        assert response.status_code in (303, 400)
    else:
        result = mailing_cli("news", "reject", str(news_id), "--reason", reason, "--json")
        assert result.code != 0
        assert "raison est trop longue" in result.out + result.err
    assert mailing.editorial.get_news(news_id).status == "pending"
    assert len(mailing.editorial.news_history(news_id)) == 1
    assert smtp.recorder.to(PARTNER) == []
