"""Why an issue is paused or held is stored as a message id and its parameters, and
shown in the reader's language: the console in the coordinator's, the CLI in French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from newsletter.delivery.worker import AUTO_PAUSED
from newsletter.editorial.issue_status import transition_issue
from newsletter.i18n import Msg
from newsletter.models import IssueStatus
from newsletter.service import Service
from newsletter.service.delivery import PAUSED_BY_COORDINATOR
from newsletter.store.db import alembic_config
from newsletter.store.editorial import Issue
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers
from tests.delivery.test_render_failure import broken_templates
from tests.support.cli import Cli
from tests.web.conftest import Browser


def _issue(service: Service) -> int:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    service.editorial.edit_issue(issue_id, lists=["public"])
    add_subscribers(service.ctx, 2)
    return issue_id


def _stored(service: Service, issue_id: int) -> tuple[str, dict[str, object]]:
    with service.ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        return issue.status_reason, dict(issue.status_reason_params)


def _console_warning(console: Browser, issue_id: int) -> str:
    """The warnings of the issue's page (the composer, or the sending page once sent)."""
    page = console.get(f"/console/issues/{issue_id}")
    if page.status_code == 303:
        page = console.get(page.headers["location"])
    assert page.status_code == 200
    found = re.findall(r'<p class="flash flash-warning"[^>]*>(.*?)</p>', page.text, re.S)
    assert found, "no warning on the page"
    return "\n".join(found)


@pytest.mark.parametrize("door", ["console", "cli"])
def test_a_pause_reason_is_stored_by_id_and_shown_in_each_language(
    door: str, mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    issue_id = _issue(mailing)
    mailing.delivery.start_send(issue_id)
    if door == "console":
        assert console.get(f"/console/issues/{issue_id}/sending").status_code == 200
        done = console.post(f"/console/issues/{issue_id}/control", {"action": "pause"})
        assert done.status_code == 303
    else:
        assert mailing_cli("issue", "pause", str(issue_id)).code == 0
    assert _stored(mailing, issue_id) == (PAUSED_BY_COORDINATOR, {})
    status = mailing_cli("issue", "status", str(issue_id), "--json").json()
    assert status["reason"] == "Mis en pause par la coordination."
    assert "Mis en pause par la coordination." in _console_warning(console, issue_id)
    console.get("/lang/nl")
    assert "Gepauzeerd door de coördinatie." in _console_warning(console, issue_id)
    assert mailing.delivery.status(issue_id).reason_text("nl") == "Gepauzeerd door de coördinatie."


def test_a_coordinators_own_reason_is_shown_as_written(mailing: Service, mailing_cli: Cli) -> None:
    issue_id = _issue(mailing)
    mailing.delivery.start_send(issue_id)
    result = mailing_cli("issue", "pause", str(issue_id), "--reason", "Relais {lent} %s")
    assert result.code == 0, result.err
    assert mailing.delivery.status(issue_id).reason_text("nl") == "Relais {lent} %s"
    shown = mailing_cli("issue", "status", str(issue_id))
    assert "Relais {lent} %s" in shown.out


def test_a_render_failure_is_kept_by_id_with_its_nested_reason(
    mailing: Service, console: Browser, tmp_path: Path
) -> None:
    issue_id = _issue(mailing)
    broken = mailing.ctx.settings.model_copy(
        update={"templates_dir": broken_templates(tmp_path / "tpl")}
    )
    from newsletter.context import Context

    failing = Service(Context(settings=broken, db=mailing.ctx.db))
    with pytest.raises(Exception, match="cannot be rendered"):
        failing.delivery.start_send(issue_id)
    msgid, params = _stored(mailing, issue_id)
    assert msgid == "Issue {issue} cannot be rendered ({variant}): {reason}"
    assert params["issue"] == issue_id and "if_rsvp" in str(params["reason"])
    assert "ne peut pas être mis en page" in mailing.delivery.status(issue_id).reason_text()
    console.get("/lang/nl")
    warning = _console_warning(console, issue_id)
    assert "ne peut pas être mis en page" not in warning and "if_rsvp" in warning


def test_an_automatic_pause_keeps_its_figures_as_parameters(mailing: Service) -> None:
    issue_id = _issue(mailing)
    mailing.delivery.start_send(issue_id)
    reason = Msg(AUTO_PAUSED, {"failed": 3, "window": 4, "reply": "451 <busy> {x}"})
    with mailing.ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        transition_issue(issue, IssueStatus.paused, reason=reason)
    assert _stored(mailing, issue_id) == (AUTO_PAUSED, reason.params)
    french, dutch = (mailing.delivery.status(issue_id).reason_text(lang) for lang in ("fr", "nl"))
    assert french != dutch
    assert all("3" in t and "4" in t and "451 <busy> {x}" in t for t in (french, dutch))


def test_migration_keeps_old_french_reasons(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0014_two_languages")
        for number, reason in enumerate(["Mis en pause par la coordination.",
                                         "3 sur 4 ont échoué {x}", ""]):  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO issues (number, title, introduction, status, status_reason, "
                    "lists, public, created_at, updated_at) VALUES (:n, 'T', '', 'paused', "
                    ":reason, '[]', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"n": number, "reason": reason},
            )
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
    with Session(engine) as session:
        issues = session.query(Issue).order_by(Issue.number).all()
        assert issues[0].status_reason == PAUSED_BY_COORDINATOR
        assert issues[0].reason is not None
        assert issues[0].reason.render("nl") == "Gepauzeerd door de coördinatie."
        assert issues[1].reason is not None
        assert issues[1].reason.render("nl") == "3 sur 4 ont échoué {x}"
        assert issues[2].reason is None
    engine.dispose()
