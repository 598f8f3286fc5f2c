"""Login, sessions, CSRF and login throttling of the console."""

from __future__ import annotations

import pytest

from newsletter.service import Service
from tests.web.conftest import EMAIL, PASSWORD, Browser, TestClient


def test_console_requires_login(app_client: TestClient) -> None:
    for path in ("/console/", "/console/partners"):
        response = app_client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=")


def test_login_sets_secure_session_and_logout_ends_it(service: Service, browser: Browser) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    browser.get("/console/login")
    response = browser.post(
        "/console/login", {"email": EMAIL, "password": PASSWORD, "next": "/console/partners"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/partners"
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = browser.get("/console/")
    assert page.status_code == 200
    assert "Tableau de bord" in page.text
    browser.post("/console/logout")
    assert browser.get("/console/").status_code == 303


def test_login_never_redirects_to_another_site(service: Service, browser: Browser) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    browser.get("/console/login")
    response = browser.post(
        "/console/login", {"email": EMAIL, "password": PASSWORD, "next": "//evil.example.com/"}
    )
    assert response.headers["location"] == "/console/"


def test_wrong_password_is_refused_then_throttled(service: Service, browser: Browser) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    browser.get("/console/login")
    for _ in range(5):
        response = browser.post("/console/login", {"email": EMAIL, "password": "wrong one!"})
        assert response.status_code == 401
        assert "incorrect" in response.text
    # the right password no longer helps for a while
    response = browser.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 401
    assert "Trop de tentatives" in response.text


def test_form_without_csrf_token_is_refused(console: Browser) -> None:
    response = console.client.post("/console/logout", data={})
    assert response.status_code == 403
    response = console.client.post("/console/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert console.get("/console/").status_code == 200  # still logged in


@pytest.mark.production_hashing
def test_password_is_hashed_with_argon2(service: Service) -> None:
    from argon2 import extract_parameters
    from argon2.profiles import RFC_9106_LOW_MEMORY
    from sqlalchemy import select

    from newsletter.store.access import AdminAccount

    service.accounts.create(EMAIL, PASSWORD)
    with service.ctx.db.session() as session:
        stored = session.scalar(select(AdminAccount.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert extract_parameters(stored) == RFC_9106_LOW_MEMORY  # the other tests hash cheaper
    assert PASSWORD not in stored


def test_language_from_choice_then_browser(app_client: TestClient) -> None:
    page = app_client.get("/console/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert 'lang="nl"' in page.text and "Aanmelden" in page.text
    page = app_client.get("/console/login", headers={"Accept-Language": "en;q=1,fr;q=0.5"})
    assert 'lang="fr"' in page.text and "Se connecter" in page.text
    app_client.get("/lang/nl?next=/console/login")
    page = app_client.get("/console/login", headers={"Accept-Language": "fr"})
    assert 'lang="nl"' in page.text
