"""Engine, sessions and migrations.

SQLite (the default) runs in WAL mode with foreign keys on; PostgreSQL is reached
through psycopg 3. ``migrate`` brings any database to the newest schema and is
called by ``newsletter init``, ``serve`` and ``demo``. The other commands (among them
``intake eml``, which the MTA runs for every message) only compare the database's
``alembic_version`` with the newest migration (``check_schema``), without loading Alembic.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from newsletter.errors import SchemaError
from newsletter.faults import watch_folder
from newsletter.i18n import N_

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
            watch_folder(Path(parsed.database).resolve().parent)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_file(path: Path) -> None:
    """The database's folder (created 0700) and file (0600): other users of the machine
    read neither; WAL and journal files take the file's mode."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # ``fold()`` for text search (``store.folding``): SQLite has no accent folding
    from newsletter.store.folding import register_sqlite

    register_sqlite(dbapi_connection)


#: tables that others create themselves (APScheduler's job store)
FOREIGN_TABLES = frozenset({"scheduler_jobs"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Keep migration autogenerate away from tables this schema does not own."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config  # only when migrating: Alembic weighs ~20 MB

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (idempotent).

    The migrations form one line: each new one revises the current head
    (``scripts/new-migration "description"`` writes the next one)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration, read from the files of ``migrations/versions`` (their
    ``revision`` and ``down_revision``) without loading Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        for node in _revision_lines(path.read_text(encoding="utf-8")):
            target: ast.expr
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                target, expression = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, expression = node.targets[0], node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            value = ast.literal_eval(expression)
            if target.id == "revision":
                revisions.add(value)
            elif target.id == "down_revision" and value:
                parents.update([value] if isinstance(value, str) else value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have one head, found {sorted(heads)}")
    return heads.pop()


#: the lines that can hold a migration's ``revision`` or ``down_revision``
_REVISION_LINE = re.compile(r"^(?:revision|down_revision)\b.*$", re.MULTILINE)


def _revision_lines(source: str) -> list[ast.stmt]:
    """The statements of a migration file that name revisions: only those lines are
    parsed (each command start reads every migration), the whole file when one of them
    goes on over several lines."""
    try:
        return ast.parse("\n".join(_REVISION_LINE.findall(source))).body
    except SyntaxError:
        return ast.parse(source).body


def schema_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database (empty: never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return {str(value) for value in rows.scalars()}


class Database:
    """An engine and its session factory, passed explicitly to whoever needs them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        migrate(self.engine)

    def check_schema(self) -> None:
        """Raise ``SchemaError`` unless the database is at the newest migration."""
        found = schema_revisions(self.engine)
        needed = head_revision()
        if found == {needed}:
            return
        if not found:
            raise SchemaError(
                N_(
                    "The database is not initialised (newest schema: {needed}). "
                    "Run: newsletter init"
                ),
                needed=needed,
            )
        raise SchemaError(
            N_("The database schema is {found}, this version needs {needed}. Run: newsletter init"),
            found=", ".join(sorted(found)),
            needed=needed,
        )

    def dispose(self) -> None:
        self.engine.dispose()
