"""The developer tools agree: the pre-commit hooks run what scripts/check and scripts/test
run, with the same arguments (so a commit that passes the hooks passes the check)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _commands(script: str) -> set[str]:
    text = (ROOT / "scripts" / script).read_text()
    return {line.strip() for line in text.splitlines() if line.startswith("uv run ")}


def _hooks() -> dict[str, str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return {
        hook["id"]: hook["entry"]
        for repo in config["repos"]
        for hook in repo["hooks"]
        if repo["repo"] == "local"
    }


def _tool(command: str) -> str:
    """The tool and its targets, without the options that only change how it reports
    (--check / --fix) or which files it is given (--force-exclude)."""
    return re.sub(r"\s+--(?:check|fix|force-exclude)\b", "", command).strip()


def test_pre_commit_runs_what_scripts_check_runs() -> None:
    checks = {_tool(c) for c in _commands("check")}
    assert checks == {
        "uv run ruff check .",
        "uv run ruff format .",
        "uv run mypy --strict newsletter tests bench",
    }
    hooks = _hooks()
    assert set(hooks) == {"ruff", "ruff-format", "mypy"}
    # hooks get file names instead of "."; mypy checks the whole tree like the script
    assert {_tool(entry) + (" ." if "ruff" in entry else "") for entry in hooks.values()} == checks


def test_the_full_test_script_runs_the_same_checks() -> None:
    assert {c for c in _commands("test") if not c.startswith("uv run pytest")} == _commands("check")


def test_no_merge_conflict_markers_are_left_in_tracked_text() -> None:
    files = subprocess.run(
        ["git", "ls-files", "*.md", "*.py", "*.po", "*.html", "*.txt", "*.yaml", "*.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    marker = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    left = [name for name in files if marker.search((ROOT / name).read_text(errors="replace"))]
    assert left == []
