"""The base of the service's typed results: ``as_json()``, the exact document the CLI
prints with ``--json`` (keys in the order of the fields, times as ISO text).

A module of its own, so that what only prints results (the CLI's ``print_json``) or
defines one (``languages``, ``intake``, ``assemblies``) does not load the editorial
results and the models they read (``results``).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any


class JsonResult:
    """``as_json()``: the fields in order, datetimes as ISO 8601 text."""

    def as_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, JsonResult):
        return value.as_json()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
