"""Only init, serve and demo migrate; every other command checks the schema version (what
the MTA runs for each message, `intake eml`, must stay fast and never migrate)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.store.db import Database, alembic_config, head_revision, schema_revisions
from tests.support.cli import Cli

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = ROOT / "tests" / "inbound" / "corpus" / "05-outlook-forward-fr.eml"


def test_the_head_read_from_the_files_is_alembic_s_head() -> None:
    from alembic.script import ScriptDirectory

    assert [head_revision()] == ScriptDirectory.from_config(alembic_config(None)).get_heads()


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         settings: Settings) -> Cli:  # fmt: skip
    monkeypatch.chdir(settings.data_dir.parent)
    return Cli(monkeypatch, capsys, settings)


def test_a_database_behind_stops_intake_with_exit_75_until_init(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    cli = _cli(monkeypatch, capsys, settings)
    db = Database.from_url(settings.effective_database_url)
    try:
        never = cli("intake", "eml", str(MESSAGE))
        assert never.code == 75
        assert never.err.count("\n") == 1 and "newsletter init" in never.err
        assert schema_revisions(db.engine) == set()  # nothing migrated behind our back
        assert cli("news", "list").code == 1  # other commands: a user error

        assert cli("init").code == 0
        assert schema_revisions(db.engine) == {head_revision()}
        with db.engine.begin() as connection:  # as after installing a newer version
            connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        behind = cli("intake", "eml", str(MESSAGE))
        assert behind.code == 75 and behind.err.count("\n") == 1
        assert "0002" in behind.err and head_revision() in behind.err
        assert schema_revisions(db.engine) == {"0002"}

        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )
        done = cli("intake", "eml", str(MESSAGE), "--json")
        assert done.code == 0, done.err
        assert [r["outcome"] for r in done.json()] == ["item"]
    finally:
        db.dispose()


def test_intake_eml_does_not_load_alembic(tmp_path: Path) -> None:
    """Measured in a fresh interpreter: the check reads ``alembic_version`` only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env.update({"NEWSLETTER_DATA_DIR": str(tmp_path / "data"),
                "NEWSLETTER_LISTS_DIR": str(ROOT / "lists")})  # fmt: skip
    settings = Settings(data_dir=tmp_path / "data", lists_dir=ROOT / "lists")
    open_context(settings).close()  # `newsletter init`
    script = (
        "import json, sys\n"
        "from newsletter.cli import main\n"
        "code = main(['intake', 'eml', sys.argv[1]])\n"
        "print(json.dumps({'code': code, 'alembic': 'alembic' in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(MESSAGE)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"code": 0, "alembic": False}
