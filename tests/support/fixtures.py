"""Fixtures of more than one test folder, registered for the whole suite by
``tests/conftest.py`` (``pytest_plugins``): the app over the test's database and a
logged-in client, a recording SMTP server and the service sending to it, a private
Dovecot server and its users.

A folder's ``conftest.py`` never imports fixtures from another folder's: a fixture
imported into a second conftest is registered twice (a session-scoped server then starts
twice in one worker) and is only found by the tests under the conftest that pytest
happened to load.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
import pytest

with warnings.catch_warnings():
    # starlette recommends another client package; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient as TestClient  # re-exported to the tests

from newsletter.context import Context
from newsletter.service import Service
from newsletter.web import create_app
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.spamd import Spamd
from tests.web.smtp import SmtpServer

PASSWORD = "correct horse battery"
EMAIL = "coordination@example.org"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


class Browser:
    """A TestClient that posts forms with the CSRF token of the page it last read."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str) -> httpx.Response:
        # starlette types its client against httpx2 (not installed): name the type here
        response: httpx.Response = self.client.get(url)
        if "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(self, url: str, data: Mapping[str, str | list[str]] | None = None) -> httpx.Response:
        payload: dict[str, str | list[str]] = dict(data or {})
        payload.setdefault("csrf_token", self.token)
        response: httpx.Response = self.client.post(url, data=payload)
        return response


@pytest.fixture
def app_client(ctx: Context, service: Service) -> Iterator[TestClient]:
    app = create_app(ctx, service)
    # BASE_URL is https in the tests: the session cookie is Secure, so talk https
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def browser(app_client: TestClient) -> Browser:
    return Browser(app_client)


def log_in(service: Service, browser: Browser) -> Browser:
    """``browser`` logged into the console as a coordinator account made for it."""
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    browser.get("/console/login")
    response = browser.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303
    browser.get("/console/")
    return browser


@contextmanager
def console_of(service: Service) -> Iterator[Browser]:
    """A browser logged into the console of an app over ``service`` (a service with
    settings of the test's own)."""
    app = create_app(service.ctx, service)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield log_in(service, Browser(client))


@pytest.fixture
def console(service: Service, browser: Browser) -> Browser:
    """A browser logged into the console."""
    return log_in(service, browser)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A recording SMTP server of the test's own."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mailing(ctx: Context, smtp: SmtpServer) -> Service:
    """The service with its settings pointing at the recording SMTP server ``smtp``."""
    settings = ctx.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none"}
    )
    return Service(Context(settings=settings, db=ctx.db))


@pytest.fixture
def mailing_service(mailing: Service) -> Service:
    """``mailing``, under the name the web tests give it."""
    return mailing


@pytest.fixture
def mailing_client(mailing: Service) -> Iterator[Browser]:
    """A client (not logged in) of the app over ``mailing``."""
    app = create_app(mailing.ctx, mailing)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield Browser(client)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot server, one for the worker's whole session."""
    server = DovecotServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> MailUser:
    """A fresh IMAP user with an empty mailbox."""
    return dovecot.add_user()


@pytest.fixture(scope="session")
def spamd() -> Iterator[Spamd]:
    """A resident SpamAssassin, one for the worker's whole session (its rules load once)."""
    server = Spamd().start()
    try:
        yield server
    finally:
        server.stop()
