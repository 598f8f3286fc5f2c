"""``newsletter issue send`` in a process of its own, as an operator starts it.

``sender_settings`` are the settings of the test database the process will use;
``sender_env`` is the environment that gives the process exactly those settings (and
the SMTP server of the test), without any ``NEWSLETTER_`` variable of the caller's;
``start_issue_send`` starts the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pydantic import SecretStr

from newsletter.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "test-secret-key-not-for-production"
BASE_URL = "https://news.example.org"
FROM_ADDRESS = "Coordination sociale <news@example.org>"
BOUNCE_ADDRESS = "bounces@example.org"


def sender_settings(data_dir: Path, database_url: str) -> Settings:
    """The settings the sender process will read from ``sender_env``."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SecretStr(SECRET_KEY),
        lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates",
        base_url=BASE_URL,
        from_address=FROM_ADDRESS,
        bounce_address=BOUNCE_ADDRESS,
    )


def sender_env(
    settings: Settings, smtp_port: int, *, rate: float, connections: int = 2
) -> dict[str, str]:
    """The environment of a process that sends with ``settings`` through the plain SMTP
    server on ``smtp_port`` of this machine, ``rate`` messages a second."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    # sender processes import from cached bytecode (the suite runs with
    # PYTHONDONTWRITEBYTECODE, which would make each start compile every module again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "newsletter-test-pycache")
    env.update({
        "NEWSLETTER_DATA_DIR": str(settings.data_dir),
        "NEWSLETTER_DATABASE_URL": settings.effective_database_url,
        "NEWSLETTER_SECRET_KEY": settings.secret,
        "NEWSLETTER_BASE_URL": settings.base_url,
        "NEWSLETTER_FROM_ADDRESS": settings.from_address,
        "NEWSLETTER_BOUNCE_ADDRESS": settings.bounce_address,
        "NEWSLETTER_LISTS_DIR": str(settings.lists_dir),
        "NEWSLETTER_TEMPLATES_DIR": str(settings.templates_dir),
        "NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(smtp_port),
        "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_SMTP_CONNECTIONS": str(connections),
        "NEWSLETTER_SEND_RATE": f"{rate:g}",
        "COLUMNS": "200",
    })  # fmt: skip
    return env


def start_issue_send(
    env: dict[str, str], issue_id: int, lists: str = "public"
) -> subprocess.Popen[str]:
    """``newsletter issue send ISSUE --to LISTS --yes`` with ``env``, output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "newsletter", "issue", "send", str(issue_id),
         "--to", lists, "--yes"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
