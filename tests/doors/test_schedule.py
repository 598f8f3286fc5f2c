"""Scheduling a send: the same rules from the console and the CLI (a time in the future,
at least one list), kept by the service."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from newsletter.service import Service
from newsletter.store.base import utcnow
from tests.content.sample import build_sample
from tests.support.cli import Cli
from tests.web.conftest import Browser


def _issue(service: Service, lists: list[str]) -> int:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    service.editorial.edit_issue(issue_id, lists=lists)
    return issue_id


def _through(door: str, console: Browser, cli: Cli, issue_id: int, hours: int) -> str:
    """Schedule ``hours`` from now; the error shown, or ""."""
    zone = ZoneInfo("Europe/Brussels")
    when = (utcnow() + timedelta(hours=hours)).astimezone(zone)
    if door == "console":
        console.get(f"/console/issues/{issue_id}")
        done = console.post(f"/console/issues/{issue_id}/schedule",
                            {"at": when.strftime("%Y-%m-%dT%H:%M")})  # fmt: skip
        assert done.status_code == 303
        page = console.get(done.headers["location"])
        errors = [m for m in ("Choisissez un moment dans le futur", "Indiquez à quelles listes")
                  if m in page.text]  # fmt: skip
        return errors[0] if errors else ""
    result = cli("issue", "schedule", str(issue_id), "--at", when.isoformat(timespec="minutes"))
    if result.code == 0:
        return ""
    assert result.code == 1 and result.out == ""
    return result.err


@pytest.mark.parametrize("door", ["console", "cli"])
def test_schedule_rules_are_the_same_through_every_door(
    door: str, mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    issue_id = _issue(mailing, ["membres"])
    assert "futur" in _through(door, console, mailing_cli, issue_id, -2)
    assert mailing.delivery.status(issue_id).status == "draft"
    assert _through(door, console, mailing_cli, issue_id, 24) == ""
    assert mailing.delivery.status(issue_id).status == "scheduled"


@pytest.mark.parametrize("door", ["console", "cli"])
def test_schedule_needs_a_list_through_every_door(
    door: str, mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    issue_id = _issue(mailing, [])
    assert "listes" in _through(door, console, mailing_cli, issue_id, 24)
    assert mailing.delivery.status(issue_id).status == "draft"
