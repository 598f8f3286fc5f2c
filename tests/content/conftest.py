"""Fixtures of the editorial tests: a sample issue in a fresh database (both backends)."""

from __future__ import annotations

import pytest

from newsletter.context import Context
from tests.content.sample import build_sample


@pytest.fixture
def issue_id(ctx: Context) -> int:
    with ctx.db.session() as session:
        return build_sample(session, ctx.settings)
