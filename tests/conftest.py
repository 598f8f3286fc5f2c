"""Fixtures shared by the whole suite.

``db_url`` is parametrised: every test that uses it (directly or through ``ctx`` or
``service``) runs once on SQLite and once on a real PostgreSQL cluster started for the
session. A server that cannot start is an error, never a skip.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import Context, open_context
from newsletter.service import Service
from tests.support.cli import Cli
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parent.parent
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of the maintenance database of a throwaway cluster (or of NEWSLETTER_TEST_PG)."""
    given = os.environ.get("NEWSLETTER_TEST_PG")
    if given:
        yield given
        return
    cluster = PostgresCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def _fresh_pg_database(server_url: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


# NEWSLETTER_TEST_DBS=sqlite runs the quick development loop on SQLite only; CI runs both.
_DATABASES = [
    name.strip()
    for name in os.environ.get("NEWSLETTER_TEST_DBS", "sqlite,postgresql").split(",")
    if name.strip()
]


@pytest.fixture(params=_DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    url = _fresh_pg_database(server)
    yield url
    _drop_pg_database(server, url.rsplit("/", 1)[1])


def _drop_pg_database(server_url: str, name: str) -> None:
    """Drop a test's database at once, so the cluster stays small and its removal fast."""
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.OperationalError:
        pass  # a test that stopped its own server: the cluster's removal takes the files


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key=SecretStr("test-secret-key-not-for-production"),
        lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates",
        base_url="https://news.example.org",
        from_address="Coordination sociale <news@example.org>",
        bounce_address="bounces@example.org",
    )


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = open_context(settings)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def service(ctx: Context) -> Service:
    return Service(ctx)


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    ctx: Context,
) -> Cli:
    """The ``newsletter`` command, run in-process with this test's settings, over the
    test's database (migrated, as ``newsletter init`` leaves it)."""
    monkeypatch.chdir(settings.data_dir.parent)
    return Cli(monkeypatch, capsys, settings)
