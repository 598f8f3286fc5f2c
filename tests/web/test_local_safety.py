"""The demo never seeds a real database; the SQLite database is private to its owner."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from newsletter.demo import DEMO_EMAIL, load_demo
from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.store.db import make_engine


def test_demo_refuses_a_database_with_real_data(service: Service) -> None:
    service.accounts.create("vraie@example.org", "un vrai mot de passe")
    with pytest.raises(ValidationError):
        load_demo(service)
    assert DEMO_EMAIL not in {a.email for a in service.accounts.list()}


def test_sqlite_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "private" / "newsletter.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    engine.dispose()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
