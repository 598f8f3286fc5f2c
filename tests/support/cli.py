"""Run the command line in-process, as an operator would, and capture what it prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from newsletter.cli import main
from newsletter.config import Settings, env_name


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Calls ``newsletter.cli.main`` with the test's settings in the environment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 settings: Settings) -> None:  # fmt: skip
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        for field in Settings.model_fields:
            monkeypatch.delenv(env_name(field), raising=False)
        self.set(settings)

    def set(self, settings: Settings) -> None:
        for field in settings.model_fields_set | {"data_dir", "database_url", "secret_key"}:
            value = getattr(settings, field)
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            if isinstance(value, list):
                value = json.dumps(value)
            self.monkeypatch.setenv(env_name(field), "" if value is None else str(value))

    def __call__(self, *args: str) -> CliResult:
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
