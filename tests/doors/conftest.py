"""Fixtures of the door tests: one service, its console and its command line, all
pointing at the same database and the same recording SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsletter.service import Service
from newsletter.web import create_app
from tests.support.cli import Cli
from tests.web.conftest import EMAIL, PASSWORD, Browser, TestClient


@pytest.fixture
def console(mailing: Service) -> Iterator[Browser]:
    """The console over ``mailing``, logged in."""
    mailing.accounts.create(EMAIL, PASSWORD, name="Coordination")
    app = create_app(mailing.ctx, mailing)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        browser = Browser(client)
        browser.get("/console/login")
        response = browser.post("/console/login", {"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 303
        yield browser


@pytest.fixture
def mailing_cli(cli: Cli, mailing: Service) -> Cli:
    """The command line with the settings of ``mailing`` (same database, same SMTP)."""
    cli.set(mailing.ctx.settings)
    return cli
