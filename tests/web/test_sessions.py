"""Server-side console sessions and login limits per (account, client)."""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from newsletter.context import Context
from newsletter.service import Service
from newsletter.store.base import utcnow
from newsletter.store.web import WebSession
from newsletter.web import create_app
from tests.support.cli import Cli
from tests.web.conftest import EMAIL, PASSWORD, Browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def clients(ctx: Context, service: Service) -> Iterator[list[Browser]]:
    """Two browsers on two different client addresses, over the same app."""
    app = create_app(ctx, service)
    with (
        TestClient(app, base_url="https://testserver", follow_redirects=False,
                   client=("192.0.2.10", 5000)) as one,
        TestClient(app, base_url="https://testserver", follow_redirects=False,
                   client=("198.51.100.20", 5000)) as two,
    ):  # fmt: skip
        yield [Browser(one), Browser(two)]


def _login(browser: Browser, password: str = PASSWORD) -> int:
    browser.get("/console/login")
    return browser.post("/console/login", {"email": EMAIL, "password": password}).status_code


def _cookie(browser: Browser) -> str:
    value = browser.client.cookies.get("newsletter_session")
    assert isinstance(value, str) and value
    return value


def test_a_cookie_copied_before_logout_is_refused_after(
    service: Service, clients: list[Browser]
) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    owner, thief = clients
    assert _login(owner) == 303
    owner.get("/console/")
    copied, token = _cookie(owner), owner.token
    thief.client.cookies.set("newsletter_session", copied, domain="testserver.local")
    assert thief.client.get("/console/").status_code == 200  # the copy works while logged in
    owner.post("/console/logout")
    assert owner.get("/console/").status_code == 303
    thief.client.cookies.clear()
    thief.client.cookies.set("newsletter_session", copied, domain="testserver.local")
    assert thief.client.get("/console/").status_code == 303
    response = thief.client.post("/console/issues/new", data={"csrf_token": token, "title": "Volé"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")
    assert service.sessions.count(service.accounts.list()[0].id) == 0


def test_a_new_password_and_removal_end_every_session(
    service: Service, clients: list[Browser], cli: Cli
) -> None:
    account = service.accounts.create(EMAIL, PASSWORD)
    one, two = clients
    assert _login(one) == 303 and _login(two) == 303
    assert service.sessions.count(account.id) == 2
    service.accounts.create(EMAIL, "another long password")
    assert one.get("/console/").status_code == 303
    assert two.get("/console/").status_code == 303
    assert _login(one, "another long password") == 303
    assert cli("admin", "remove", EMAIL).code == 0
    assert one.get("/console/").status_code == 303
    assert _login(one, "another long password") == 401


@pytest.mark.parametrize(
    "column,age",
    [("last_seen_at", timedelta(minutes=121)), ("created_at", timedelta(hours=12, minutes=1))],
)
def test_sessions_have_an_idle_and_an_absolute_lifetime(
    service: Service, clients: list[Browser], column: str, age: timedelta
) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    browser = clients[0]
    assert _login(browser) == 303
    assert browser.get("/console/").status_code == 200
    with service.ctx.db.session() as session:
        session.execute(update(WebSession).values({column: utcnow() - age}))
    assert browser.get("/console/").status_code == 303


def test_wrong_passwords_slow_down_one_client_not_the_coordinator(
    service: Service, clients: list[Browser]
) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    attacker, coordinator = clients
    for _ in range(5):
        assert _login(attacker, "wrong password!") == 401
    attacker.get("/console/login")
    refused = attacker.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 401 and "Trop de tentatives" in refused.text
    assert "secondes" in refused.text
    # the real coordinator, elsewhere, with the right password, gets in at once
    assert _login(coordinator) == 303


def test_delays_grow_with_failures(service: Service) -> None:
    from newsletter.service.accounts import LOGIN_MAX_DELAY, login_delay

    delays = [login_delay(n) for n in range(1, 30)]
    assert delays[:4] == [0, 0, 0, 0]
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert delays[5] > delays[4] > 0 and max(delays) == LOGIN_MAX_DELAY


def test_parallel_wrong_passwords_do_not_pass_the_limit(service: Service) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            service.accounts.authenticate(EMAIL, "wrong password!", "203.0.113.5")
        except Exception as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ValidationError") == 5, str(outcomes)  # passwords checked
    assert outcomes.count("TooManyAttemptsError") == 7
