"""The access log of ``newsletter serve`` never prints a personal token: the lines of
real requests to every public link with a token show the path with the token cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydantic import SecretStr

from newsletter import links
from newsletter.config import Settings
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "access-log-test-key"

pytestmark = pytest.mark.timeout(240)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as page:
            return int(page.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_access_log_of_a_served_request_holds_no_token(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env.update({
        "NEWSLETTER_DATA_DIR": str(tmp_path / "data"),
        "NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
        "NEWSLETTER_SECRET_KEY": SECRET, "NEWSLETTER_BASE_URL": base,
        "NEWSLETTER_LISTS_DIR": str(ROOT / "lists"),
        "NEWSLETTER_TEMPLATES_DIR": str(ROOT / "templates"),
        "NEWSLETTER_CLICK_COUNTING": "true", "NEWSLETTER_CLICK_TRACKING_INDIVIDUAL": "true",
    })  # fmt: skip
    settings = Settings(secret_key=SecretStr(SECRET), base_url=base, data_dir=tmp_path / "x")
    urls = [
        links.unsubscribe_url(settings, 1, 2),
        links.preferences_url(settings, 1),
        links.rsvp_url(settings, 1, 1),
        links.confirm_url(settings, 1, "n" * 32),
        links.partner_form_url(settings, 1),
        links.annex_url(settings, 1, "pv.pdf"),
        # a counted link with the reader's part (individual tracking): who clicked
        links.click_url(settings, 1, f"{base}/archive") + links.click_person(settings, 1, 1),
    ]
    tokens = [url.removeprefix(base).split("/")[2] for url in urls]
    assert all(len(token) > 20 for token in tokens)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", str(port), "--no-worker"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180  # a shared machine under load starts slowly
        while True:
            try:
                _get(f"{base}/archive")
                break
            except OSError:
                assert process.poll() is None, process.communicate()[0].decode()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        statuses = [_get(url) for url in urls]
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0].decode()
    assert all(status < 500 for status in statuses), (statuses, output)
    for token in tokens:
        assert token not in output
        for part in token.split(links.CLICK_SEPARATOR):
            assert part not in output
    for path in ("/u/…", "/preferences/…", "/rsvp/…", "/confirm/…", "/submit/…",
                 "/files/…/pv.pdf", "/r/…"):  # fmt: skip
        assert f'"GET {path} HTTP/1.1"' in output, output
