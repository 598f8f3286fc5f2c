"""The store: migrations on SQLite and PostgreSQL, WAL mode, idempotent init."""

from __future__ import annotations

from sqlalchemy import inspect, text

from newsletter.context import Context
from newsletter.store.db import migrate


def test_migrations_create_every_table(ctx: Context) -> None:
    tables = set(inspect(ctx.db.engine).get_table_names())
    assert {"organisations", "subscribers", "list_optouts", "news_items", "issues"} <= tables
    assert "alembic_version" in tables


def test_migrate_is_idempotent(ctx: Context) -> None:
    migrate(ctx.db.engine)
    migrate(ctx.db.engine)
    with ctx.db.engine.connect() as conn:
        versions = conn.execute(text("select version_num from alembic_version")).scalars().all()
    assert versions and len(versions) == len(set(versions))


def test_sqlite_runs_in_wal_mode(ctx: Context) -> None:
    if ctx.db.is_postgres:
        assert ctx.db.engine.dialect.name == "postgresql"
        return
    with ctx.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_tables_and_migrations_agree(ctx: Context) -> None:
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from newsletter.store import Base
    from newsletter.store.db import include_object

    with ctx.db.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE scheduler_jobs (id VARCHAR(191) PRIMARY KEY)")
        migration = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": False}
        )
        diff = compare_metadata(migration, Base.metadata)
    assert diff == []


def test_migrations_have_one_head() -> None:
    from alembic.script import ScriptDirectory

    from newsletter.store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; a new migration revises the head"
