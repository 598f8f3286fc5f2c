"""What the in-process benchmarks of the console share: fresh settings, and a logged-in
client."""

from __future__ import annotations

import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from newsletter.config import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent


def fresh_settings(
    database_url: str = "", base_url: str = "http://testserver", **more: Any
) -> Settings:
    """Settings over a new folder: that database (empty: SQLite in the folder), the lists
    and templates of the repository unless ``more`` says otherwise."""
    folder = Path(tempfile.mkdtemp())
    options: dict[str, Any] = {
        "lists_dir": ROOT / "lists", "templates_dir": ROOT / "templates", **more
    }  # fmt: skip
    return Settings(
        data_dir=folder, database_url=database_url or f"sqlite:///{folder / 'bench.db'}",
        secret_key=SecretStr("bench-secret-key"), base_url=base_url, **options,
    )  # fmt: skip


def csrf_token(client: TestClient, path: str = "/console/login") -> str:
    """The CSRF token of a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None, f"no CSRF token on {path}"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str) -> None:
    """The console's login, as a coordinator does it."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    client.post("/console/login", data=data)
