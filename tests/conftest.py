"""Fixtures shared by the whole suite.

``db_url`` is parametrised: every test that uses it (directly or through ``ctx`` or
``service``) runs once on SQLite and once on a real PostgreSQL cluster started for the
session. A server that cannot start is an error, never a skip.

``scripts/test`` runs the suite in pytest-xdist workers: each worker is a session of its
own, with its own clusters, Dovecot, temporary folders and free ports; the tests that
must share one worker carry an ``xdist_group`` (``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import Context, open_context
from newsletter.service import Service, accounts
from newsletter.store.db import Database
from tests.support.cli import Cli
from tests.support.dnsserver import DnsServer
from tests.support.postgres import PostgresCluster, RestartableDatabase

#: the fixtures that tests of several folders use (web client, SMTP server, Dovecot)
pytest_plugins = ["tests.support.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
_counter = itertools.count()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep together, for pytest-xdist's ``--dist loadgroup`` (see ``scripts/test``), the
    tests that share something a worker cannot share with another: those of a module
    with a module-scoped fixture (one server or one browser for the module, scenarios
    that build on each other) run on one worker in file order, and the tests that stop
    and start ``restartable_server`` run on one worker (one such cluster in the run)."""
    for item in items:
        group = _worker_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In a pytest-xdist worker under ``--dist loadgroup``, a grouped test must carry its
    group in its node id (``…@group``, what pytest-xdist's scheduler reads); one without
    may have run on any worker, away from its module's server, and fails here (pytest-xdist
    3.8 names none with pytest 9.2, hence the pin below 9.2 in pyproject.toml)."""
    config = item.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        return
    if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid:
        pytest.fail(
            "pytest-xdist did not keep this test in its xdist_group: this pytest and "
            "pytest-xdist do not work together under --dist loadgroup",
            pytrace=False,
        )


def _worker_group(item: pytest.Item) -> str | None:
    if not isinstance(item, pytest.Function):
        return None
    if "restartable_server" in item.fixturenames:
        return "restartable-postgresql"
    definitions = item._fixtureinfo.name2fixturedefs.values()
    if any(defs and defs[-1].scope == "module" for defs in definitions):
        return item.module.__name__ if item.module is not None else item.nodeid.split("::")[0]
    return None


@pytest.fixture(autouse=True)
def _quick_password_hashing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2id with argon2-cffi's cheapest parameters (its own advice for tests): the
    production ones cost ~0.2 s of both cores per hash and per check, twice for each
    test that logs into the console. A test marked ``production_hashing`` keeps them;
    a hash made here is still checked by its own parameters anywhere."""
    if request.node.get_closest_marker("production_hashing") is None:
        monkeypatch.setattr(accounts, "_hasher", PasswordHasher.from_parameters(CHEAPEST))


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


@pytest.fixture(scope="session")
def restartable_server() -> Iterator[PostgresCluster]:
    """A cluster for the tests that stop and start their server (outage, restart),
    started once for all of them; the other tests never use it."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def restartable_db(restartable_server: PostgresCluster) -> Iterator[RestartableDatabase]:
    """A fresh database of its own in ``restartable_server``, which is running again
    when the test ends (whatever the test left it in)."""
    if not restartable_server.running():
        restartable_server.resume()
    url = _fresh_pg_database(restartable_server.url("postgres"))
    name = url.rsplit("/", 1)[1]
    yield RestartableDatabase(restartable_server, name)
    if not restartable_server.running():
        restartable_server.resume()
    _drop_pg_database(restartable_server.url("postgres"), name)


def _fresh_pg_database(server_url: str, template: str | None = None) -> str:
    """A new database, a copy of ``template`` (of ``template1`` without one). Copied as
    files (``STRATEGY FILE_COPY``): PostgreSQL 15's default writes every page of the
    copy through the WAL, which costs more than the checkpoint of a file copy on a
    cluster without fsync."""
    name = f"t{os.getpid()}_{next(_counter)}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy} STRATEGY FILE_COPY')
    return server_url.rsplit("/", 1)[0] + "/" + name


# NEWSLETTER_TEST_DBS=sqlite runs the quick development loop on SQLite only; CI runs both.
_DATABASES = [
    name.strip()
    for name in os.environ.get("NEWSLETTER_TEST_DBS", "sqlite,postgresql").split(",")
    if name.strip()
]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the newest schema, migrated once for the session."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_pg(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database at the newest schema, migrated once for the session: the
    template of the databases of the tests that use ``ctx``."""
    url = _fresh_pg_database(postgres_server)
    name = url.rsplit("/", 1)[1]
    _migrate(url)
    yield name
    _drop_pg_database(postgres_server, name)


def _migrate(url: str) -> None:
    db = Database.from_url(url)
    try:
        db.migrate()
    finally:
        db.dispose()


@pytest.fixture(params=_DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database; for a test that uses ``ctx``, a copy of one migrated once for
    the session: the same schema as a fresh migration, without running every migration
    per test."""
    migrated = "ctx" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if migrated:
            template: Path = request.getfixturevalue("migrated_sqlite")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as copy:
                copy.write(template.read_bytes())
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("postgres_server")
    url = _fresh_pg_database(server, request.getfixturevalue("migrated_pg") if migrated else None)
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


#: the zone of ``dns_server``: no domain publishes a DMARC policy
EMPTY_ZONE = "$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n"


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    """A local DNS server that knows no domain: the DMARC look-ups of the relay in any
    test go to it, never to a real resolver (tests with policies start their own)."""
    with DnsServer(EMPTY_ZONE) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, db_url: str, dns_server: DnsServer) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key=SecretStr("test-secret-key-not-for-production"),
        lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates",
        base_url="https://news.example.org",
        from_address="Coordination sociale <news@example.org>",
        bounce_address="bounces@example.org",
        dmarc_nameservers=[dns_server.address],
    )


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    """The application's context over the test's database: a copy of one migrated for the
    session (see ``db_url``), so only checked to be at the newest schema here (running
    the migrations again would load every one of them to find nothing to do;
    ``tests/test_store.py`` checks that a second migration changes nothing)."""
    context = open_context(settings, migrate=False)
    context.db.check_schema()
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
