"""Fixtures of the report tests: the console of the web tests."""

from __future__ import annotations

from tests.web.conftest import (  # noqa: F401  (fixtures)
    app_client,
    browser,
    console,
)
