"""Body caps, slow clients, security headers and client addresses, on the real server
(``newsletter serve`` in a thread, as the browser tests run it)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.web.client import client_address, limit_key
from tests.support.ports import free_port
from tests.web.browser import ROOT, ServerThread
from tests.web.conftest import TestClient

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    folder: Path = tmp_path_factory.mktemp("http")
    port = free_port()
    settings = Settings(
        data_dir=folder / "data", database_url=f"sqlite:///{folder / 'web.db'}",
        secret_key=SecretStr("http-limits-test-key"), lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates", base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none",
        request_timeout=3.0,  # a busy machine must not turn the size cap into a timeout
    )  # fmt: skip
    thread = ServerThread(settings, "127.0.0.1", port)
    thread.start()
    try:
        yield "127.0.0.1", port
    finally:
        thread.stop()


def _exchange(address: tuple[str, int], head: str, body: bytes = b"") -> bytes:
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def test_an_announced_huge_upload_is_refused_before_it_is_read(server: tuple[str, int]) -> None:
    head = ("POST /submit HTTP/1.1\nHost: x\nContent-Type: multipart/form-data; boundary=b\n"
            f"Content-Length: {150 * 1024 * 1024}\n")  # fmt: skip
    reply = _exchange(server, head)  # no byte of the body is ever sent
    assert reply.startswith(b"HTTP/1.1 413")


def test_forms_have_a_smaller_cap_than_uploads(server: tuple[str, int]) -> None:
    body = b"email=a&password=" + b"x" * (2 * 1024 * 1024)
    head = ("POST /console/login HTTP/1.1\nHost: x\n"
            "Content-Type: application/x-www-form-urlencoded\n"
            f"Content-Length: {len(body)}\n")  # fmt: skip
    assert _exchange(server, head).startswith(b"HTTP/1.1 413")
    small = b"email=a&password=b"
    head = ("POST /console/login HTTP/1.1\nHost: x\n"
            "Content-Type: application/x-www-form-urlencoded\n"
            f"Content-Length: {len(small)}\n")  # fmt: skip
    assert _exchange(server, head, small).startswith(b"HTTP/1.1 403")  # CSRF, read in full


def test_a_chunked_body_is_cut_at_the_cap(server: tuple[str, int]) -> None:
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(40)) + b"0\r\n\r\n"
    head = ("POST /subscribe HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
            "Content-Type: application/x-www-form-urlencoded\n")  # fmt: skip
    assert _exchange(server, head, body).startswith(b"HTTP/1.1 413")


def test_a_slow_client_is_cut_off(server: tuple[str, int]) -> None:
    head = ("POST /subscribe HTTP/1.1\nHost: x\n"
            "Content-Type: application/x-www-form-urlencoded\nContent-Length: 100\n")  # fmt: skip
    assert _exchange(server, head, b"email=").startswith(b"HTTP/1.1 408")


def test_security_headers_on_pages(server: tuple[str, int]) -> None:
    reply = _exchange(server, "GET /subscribe HTTP/1.1\nHost: x\nConnection: close\n").lower()
    assert b"content-security-policy: default-src 'self'; script-src 'self'" in reply
    assert b"frame-ancestors 'self'" in reply
    assert b"x-content-type-options: nosniff" in reply
    assert b"referrer-policy: same-origin" in reply
    assert b"strict-transport-security" not in reply  # BASE_URL is http here
    assert b"server: uvicorn" not in reply


def test_hsts_when_the_base_url_is_https(app_client: TestClient) -> None:
    response = app_client.get("/subscribe")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_forwarded_addresses_only_from_trusted_proxies() -> None:
    assert str(client_address("127.0.0.1", "203.0.113.9", ())) == "127.0.0.1"
    trusted = ("127.0.0.1", "10.0.0.0/8")
    assert str(client_address("127.0.0.1", "203.0.113.9, 10.1.2.3", trusted)) == "203.0.113.9"
    # a client cannot hide behind a forged first hop: the last untrusted one counts
    assert str(client_address("127.0.0.1", "1.2.3.4, 203.0.113.9", trusted)) == "203.0.113.9"
    assert str(client_address("198.51.100.7", "203.0.113.9", trusted)) == "198.51.100.7"


def test_ipv6_clients_are_grouped_by_64() -> None:
    one = limit_key(client_address("2001:db8:1:2::1", "", ()))
    two = limit_key(client_address("2001:db8:1:2:ffff::9", "", ()))
    other = limit_key(client_address("2001:db8:1:3::1", "", ()))
    assert one == two == "2001:db8:1:2::/64" and other != one
    assert limit_key(client_address("::ffff:192.0.2.1", "", ())) == "192.0.2.1"
