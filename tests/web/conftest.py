"""Fixtures of the web tests: those of ``tests/support/fixtures.py`` (the app over the
test's database, a logged-in client, the recording SMTP server), registered for the
whole suite; the names the tests import from here."""

from __future__ import annotations

from tests.support.fixtures import EMAIL, PASSWORD, Browser, TestClient, csrf_of

__all__ = ["EMAIL", "PASSWORD", "Browser", "TestClient", "csrf_of"]
