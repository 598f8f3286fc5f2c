"""Commands of the web area: admin create, the demo network, demo/serve themselves."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from newsletter.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from newsletter.service import Service
from tests.support.cli import Cli
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_admin_create(cli: Cli, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "un mot de passe assez long")
    result = cli("admin", "create", "chef@example.org", "--name", "Chef",
                 "--password-env", "ADMIN_PASSWORD")  # fmt: skip
    assert result.code == 0, result.err
    assert "chef@example.org" in result.out
    account = service.accounts.authenticate("Chef@Example.org", "un mot de passe assez long", "t")
    assert account.name == "Chef"
    monkeypatch.setenv("ADMIN_PASSWORD", "court")
    result = cli("admin", "create", "chef@example.org", "--password-env", "ADMIN_PASSWORD")
    assert result.code == 1 and "10 caractères" in result.err


def test_demo_network(service: Service) -> None:
    assert load_demo(service) is True
    assert load_demo(service) is False  # only once
    assert len(service.audience.organisations()) == 7
    counts = service.console.news_counts()
    assert (counts["approved"], counts["pending"]) == (2, 2)
    assemblies = service.console.assemblies()
    assert [a.title for a in assemblies] == ["Prochaine assemblée générale", "AG précédente"]
    assert assemblies[1].minutes is not None
    service.accounts.authenticate(DEMO_EMAIL, DEMO_PASSWORD, "t")
    # the next issue carries the approved news, the coming AG and the previous PV
    (row,) = service.console.issues()
    draft = service.editorial.get_issue(row.id)
    assert len(draft.items) == 2 and len(draft.assemblies) == 1
    assert draft.annexes == ["PV-AG-precedente.pdf"]
    # most of it in both languages; one news item in French only, to show the note
    assert draft.languages == ["fr", "nl"]
    assert [n.languages for n in service.editorial.list_news()] == [
        ["fr", "nl"],
        ["fr"],
        ["fr", "nl"],
        ["fr", "nl"],
    ]
    assert assemblies[0].texts["nl"]["title"] == "Volgende algemene vergadering"
    assert assemblies[0].texts["nl"]["agenda"][0].startswith("Goedkeuring van het verslag")
    dutch = service.editorial.preview(row.id, language="nl")
    subject = email.message_from_bytes(dutch.eml, policy=email.policy.default)["Subject"]
    assert subject == "Nieuwsbrief van de coördinatie"
    assert "Repair Café op zaterdag" in dutch.html and "Veel leesplezier" in dutch.html
    assert "Dit bericht is enkel in het Frans beschikbaar." in dutch.html


def test_demo_command_serves_the_console(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env.update({
        "NEWSLETTER_DATA_DIR": str(tmp_path / "data"),
        "NEWSLETTER_LISTS_DIR": str(ROOT / "lists"),
        "NEWSLETTER_TEMPLATES_DIR": str(ROOT / "templates"),
    })  # fmt: skip
    log = tmp_path / "demo.log"  # a file, not a pipe: a full pipe would stop the server
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "demo", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180  # a shared machine under load starts slowly
        while True:
            try:
                url = f"http://127.0.0.1:{port}/console/login"
                with urllib.request.urlopen(url, timeout=30) as page:
                    body = page.read().decode()
                break
            except OSError:
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "demo did not start"
                time.sleep(0.2)
        assert "Console de la coordination" in body
        assert (tmp_path / "data" / "catcher").is_dir()  # the embedded mail catcher
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)  # serve drains its tasks first
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert "coordination@example.org" in log.read_text(errors="replace")
