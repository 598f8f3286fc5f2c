"""BASE_URL derived for a local server, and the loud warnings before serving or sending."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from newsletter import baseurl
from newsletter.config import Settings
from tests.support.ports import free_port


@pytest.fixture
def http_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_demo_port_gives_the_links_their_port(tmp_path: Path) -> None:
    unset = Settings(data_dir=tmp_path, secret_key=SecretStr("x"))
    assert not baseurl.is_set(unset)
    assert baseurl.for_port(unset, "127.0.0.1", 8811).base_url == "http://localhost:8811"
    assert baseurl.for_port(unset, "0.0.0.0", 9000).base_url == "http://localhost:9000"
    chosen = Settings(
        data_dir=tmp_path, secret_key=SecretStr("x"), base_url="https://n.example.org"
    )
    assert baseurl.for_port(chosen, "127.0.0.1", 8811).base_url == "https://n.example.org"


def test_plain_http_on_a_public_host_is_a_warning() -> None:
    [problem] = baseurl.problems("http://news.example.org", probe=False)
    assert "http simple" in problem.render("fr") and "https" in problem.render("nl")
    assert baseurl.problems("https://news.example.org", probe=False) == []
    assert baseurl.problems("http://localhost:8000", probe=False) == []
    assert baseurl.problems("http://192.168.1.10:8000", probe=False) == []
    assert "http(s)" in baseurl.problems("ftp://x.example.org", probe=False)[0].render("fr")


def test_an_address_that_does_not_answer_is_a_warning(http_server: int) -> None:
    assert baseurl.problems(f"http://127.0.0.1:{http_server}/") == []  # 501 is an answer
    closed = free_port()
    [problem] = baseurl.problems(f"http://127.0.0.1:{closed}", timeout=2)
    assert "ne répond pas" in problem.render("fr")
    assert "antwoordt niet" in problem.render("nl")
