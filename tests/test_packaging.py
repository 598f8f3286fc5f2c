"""The application installed as a package works on its own, from any folder: the wheel
carries the e-mail templates and the lists, and the demo renders and sends an issue."""

from __future__ import annotations

import email
import email.policy
import ensurepip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from newsletter.shipped import shipped_dir
from tests.delivery.smtpd import RecordingServer

ROOT = Path(__file__).resolve().parent.parent


def test_a_source_checkout_ships_its_top_level_folders() -> None:
    assert shipped_dir("templates") == ROOT / "templates"
    assert shipped_dir("lists") == ROOT / "lists"


def _pip(python: Path) -> list[str]:
    """pip, installing into the environment of ``python``: the base interpreter's own
    (already compiled, the quicker) or else the wheel the standard library ships for
    ``ensurepip``, run in place. Nothing is downloaded either way."""
    base = getattr(sys, "_base_executable", sys.executable)
    if subprocess.run([base, "-c", "import pip"], capture_output=True).returncode == 0:
        return [base, "-m", "pip", "--python", str(python)]
    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheel = next(bundled.glob("pip-*.whl"), None)
    assert wheel is not None, f"neither pip nor a pip wheel in {bundled}"
    return [str(python), str(wheel / "pip")]


def _install(venv: Path) -> None:
    """A clean virtual environment, then ``pip install .``. Offline: the runtime
    packages the lock pins come from uv's cache (filled by bootstrap) before pip runs,
    so pip finds every dependency satisfied; pip builds this folder into a wheel (with
    hatchling, from the same cache) and installs it, not editable."""
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to bring the locked packages from its cache"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    for command in (
        [uv, "sync", "--frozen", "--no-dev", "--no-install-project", "--offline", "--quiet"],
        [uv, "pip", "install", "--offline", "--quiet", "--python", str(python), "hatchling"],
    ):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr
    pip_env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    pip_env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    done = subprocess.run(
        [*_pip(python), "install", "--no-index", "--no-build-isolation", "--no-compile",
         "--quiet", "."],
        cwd=ROOT, env=pip_env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_installed_package_renders_and_sends_the_demo_issue(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _install(venv)
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "newsletter" / "defaults" / "templates" / "issue.html").is_file()
    assert (site / "newsletter" / "defaults" / "lists" / "membres.yaml").is_file()
    # not an editable install pointing back at the source tree
    assert all(str(ROOT) not in pth.read_text() for pth in site.glob("*.pth"))

    elsewhere = tmp_path / "elsewhere"  # no templates/ nor lists/ here
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(elsewhere), "LANG": "C.UTF-8",
           "NEWSLETTER_DATA_DIR": str(elsewhere / "data")}  # fmt: skip
    newsletter = str(venv / "bin" / "newsletter")

    def run(*args: str) -> str:
        done = subprocess.run([newsletter, *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, f"newsletter {' '.join(args)}: {done.stderr}"
        return done.stdout

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import newsletter.shipped as s; print(s.__file__); print(s.shipped_dir('templates'))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert all(Path(path).is_relative_to(site) for path in where), where

    run("demo", "--no-serve")
    issue = run("issue", "draft", "--json")
    issue_id = str(json.loads(issue)["id"])
    run("issue", "preview", issue_id, "--out", str(elsewhere / "preview"))
    html = (elsewhere / "preview" / "issue.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in html and "Se désinscrire" in html
    with RecordingServer() as server:
        env.update(NEWSLETTER_SMTP_HOST="127.0.0.1", NEWSLETTER_SMTP_PORT=str(server.port),
                   NEWSLETTER_SMTP_SECURITY="none")  # fmt: skip
        run("issue", "send", issue_id, "--to", "membres", "--yes")
    assert len(server.received) == 8  # the members of the demo network
    message = email.message_from_bytes(server.received[0].data, policy=email.policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in message.walk()} >= {"text/html", "text/plain"}
