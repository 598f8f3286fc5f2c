"""Transports against real servers: the SMTP pool (faults, TLS, AUTH), Maildir, catcher."""

from __future__ import annotations

import asyncio
import email
import random
import re
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import Settings, SmtpSecurity
from newsletter.delivery.catcher import MailCatcher
from newsletter.delivery.maildir import MaildirTransport
from newsletter.delivery.smtp import SmtpConfig, SmtpPool, wire_body
from newsletter.delivery.transport import Outcome
from tests.delivery.smtpd import Faults, RecordingServer
from tests.support.ports import free_port

MESSAGE = b"From: news@example.org\r\nSubject: test\r\n\r\nBody\r\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def _client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    faults = Faults(temp_first={"soft@example.org"}, perm={"gone@example.org"})
    with RecordingServer(faults) as running:
        yield running


async def test_pool_classifies_replies_and_continues_after_refusals(
    server: RecordingServer,
) -> None:
    pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
    try:
        results = await pool.send(
            MESSAGE, "bounces@example.org",
            ["ok1@example.org", "gone@example.org", "soft@example.org", "ok2@example.org"],
        )  # fmt: skip
        by = {r.recipient: r for r in results}
        assert by["ok1@example.org"].outcome is Outcome.sent
        assert by["ok2@example.org"].outcome is Outcome.sent
        assert by["gone@example.org"].outcome is Outcome.permanent
        assert by["gone@example.org"].code == 550 and "No such user" in by["gone@example.org"].reply
        assert by["soft@example.org"].outcome is Outcome.temporary
        assert by["soft@example.org"].code == 451
        # all refused: the envelope is reset and the same connection carries the next one
        refused = await pool.send(MESSAGE, "bounces@example.org", ["gone@example.org"])
        assert refused[0].outcome is Outcome.permanent
        again = await pool.send(MESSAGE, "bounces@example.org", ["soft@example.org"])
        assert again[0].outcome is Outcome.sent
        assert pool.connects == 1
    finally:
        await pool.close()
    assert sorted(r.recipient for r in server.received) == [
        "ok1@example.org", "ok2@example.org", "soft@example.org",
    ]  # fmt: skip
    assert all(r.data.rstrip(b"\r\n") == MESSAGE.rstrip(b"\r\n") for r in server.received)


async def test_pool_reconnects_after_dropped_connections() -> None:
    with RecordingServer(Faults(drop_every=5)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=4))
        recipients = [f"r{i}@example.org" for i in range(40)]
        try:
            results = await asyncio.gather(
                *(pool.send(MESSAGE, "b@example.org", [r]) for r in recipients)
            )
        finally:
            await pool.close()
        flat = [r[0] for r in results]
        failed = [r for r in flat if r.outcome is not Outcome.sent]
        assert server.handler.dropped >= 7
        assert len(failed) == server.handler.dropped
        assert all(r.outcome is Outcome.temporary for r in failed)
        assert pool.connects >= 1 + server.handler.dropped
        assert len(server.received) == 40 - len(failed)


async def test_unreachable_server_is_a_temporary_failure() -> None:
    pool = SmtpPool(SmtpConfig("127.0.0.1", free_port(), connections=1, timeout=2))
    results = await pool.send(MESSAGE, "b@example.org", ["a@example.org"])
    await pool.close()
    assert results[0].outcome is Outcome.temporary
    assert "connect" in results[0].reply.lower()  # "Error connecting to …", as the client says


async def test_starttls_and_auth(certificate: tuple[Path, Path]) -> None:
    users = {"relay-user": "s3cret"}
    with RecordingServer(tls_context=_server_tls(certificate), users=users) as server:
        config = SmtpConfig("127.0.0.1", server.port, security=SmtpSecurity.starttls,
                            username="relay-user", password="s3cret",
                            tls_context=_client_tls(certificate))  # fmt: skip
        pool = SmtpPool(config)
        results = await pool.send(MESSAGE, "b@example.org", ["a@example.org"])
        await pool.close()
        assert results[0].outcome is Outcome.sent
        bad = SmtpPool(SmtpConfig("127.0.0.1", server.port, security=SmtpSecurity.starttls,
                                  username="relay-user", password="wrong",
                                  tls_context=_client_tls(certificate)))  # fmt: skip
        refused = await bad.send(MESSAGE, "b@example.org", ["c@example.org"])
        await bad.close()
        assert refused[0].outcome is Outcome.temporary and refused[0].code == 535
        assert [r.recipient for r in server.received] == ["a@example.org"]


async def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with RecordingServer(tls_context=_server_tls(certificate), implicit_tls=True) as server:
        config = SmtpConfig("127.0.0.1", server.port, security=SmtpSecurity.tls,
                            tls_context=_client_tls(certificate))  # fmt: skip
        pool = SmtpPool(config)
        results = await pool.send(MESSAGE, "b@example.org", ["a@example.org"])
        await pool.close()
        assert results[0].outcome is Outcome.sent
        assert len(server.received) == 1


async def test_maildir_transport(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "box")
    results = await transport.send(MESSAGE, "bounces+x@example.org", ["a@example.org"])
    assert results[0].outcome is Outcome.sent
    stored = transport.store.messages()
    assert len(stored) == 1
    parsed = email.message_from_bytes(stored[0])
    assert parsed["Return-Path"] == "<bounces+x@example.org>"
    assert parsed["Delivered-To"] == "a@example.org"


async def test_catcher_stores_what_the_pool_sends(tmp_path: Path) -> None:
    settings = Settings(smtp_host="", smtp_security=SmtpSecurity.starttls)
    catcher = MailCatcher(tmp_path / "catcher")
    host, port = catcher.start()
    try:
        pointed = catcher.smtp_settings(settings)
        assert (pointed.smtp_host, pointed.smtp_port) == (host, port)
        assert pointed.smtp_security is SmtpSecurity.none
        pool = SmtpPool.from_settings(pointed)
        results = await pool.send(MESSAGE, "b@example.org", ["a@example.org", "c@example.org"])
        await pool.close()
        assert [r.outcome for r in results] == [Outcome.sent, Outcome.sent]
    finally:
        catcher.stop()
    assert not catcher.running
    stored = catcher.store.messages()
    assert sorted(email.message_from_bytes(m)["Delivered-To"] for m in stored) == [
        "a@example.org", "c@example.org",
    ]  # fmt: skip


def test_wire_body_matches_aiosmtplib_dot_stuffing_and_line_ends() -> None:
    from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

    def reference(message: bytes) -> bytes:
        return PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message)) + b".\r\n"

    samples = [
        b"", b".", b"a", b"a\r\n", b"\r", b"\n", b"\r\r\n", b"a\rb\nc\r\nd",
        b".a\r\n.b\n.c\r\r\n\n.", b"x\r\n.\r\n", MESSAGE, MESSAGE + b".hidden\r\n",
    ]  # fmt: skip
    alphabet = b"\r\n.a"
    state = 7
    for _ in range(3000):  # a fixed pseudo-random walk over short strings of the hard bytes
        state = (state * 1103515245 + 12345) % 2**31
        size = state % 13
        samples.append(bytes(alphabet[(state >> (2 * i + 3)) % 4] for i in range(size)))
    for sample in samples:
        assert wire_body(sample) == reference(sample), sample


async def test_pool_sends_lines_starting_with_a_dot_and_bare_line_ends(
    server: RecordingServer,
) -> None:
    message = b"From: news@example.org\r\nSubject: dots\r\n\r\n.first\r\n..second\nthird\r\n."
    pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
    try:
        results = await pool.send(message, "bounces@example.org", ["ok@example.org"])
        clean = await pool.send(MESSAGE, "bounces@example.org", ["ok@example.org"])
    finally:
        await pool.close()
    assert results[0].outcome is Outcome.sent and clean[0].outcome is Outcome.sent
    received = [r.data for r in server.received]
    assert received[0] == (
        b"From: news@example.org\r\nSubject: dots\r\n\r\n.first\r\n..second\r\nthird\r\n.\r\n"
    )
    assert received[1] == MESSAGE


def _wire_body_by_regex(message: bytes) -> bytes:
    """The regex version ``wire_body`` replaced, kept as the reference."""
    crlf = message.count(b"\r\n")
    if (
        crlf != message.count(b"\n")
        or crlf != message.count(b"\r")
        or message.startswith(b".")
        or b"\n." in message
    ):
        message = re.sub(rb"(?m)^\.", b"..", re.sub(rb"\r\n|\n|\r", b"\r\n", message))
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


def test_wire_body_gives_the_bytes_of_the_regex_version_on_many_inputs() -> None:
    generator = random.Random(18)
    pieces = [b".", b"..", b"\r\n", b"\n", b"\r", b"=\r\n", b"uur=\r\n. Het", b"a", b"\xc3\xa9"]
    samples = [MESSAGE, MESSAGE + b".x\r\n", b".\r\n" * 50, b"\r\n." * 50]
    for _ in range(5000):
        samples.append(b"".join(generator.choices(pieces, k=generator.randrange(0, 40))))
    for _ in range(50):  # message-sized: 20 KB of quoted-printable-like lines
        lines = [generator.choice([b".", b"", b"x"]) + b"y" * 70 for _ in range(280)]
        samples.append(b"\r\n".join(lines))
    for sample in samples:
        assert wire_body(sample) == _wire_body_by_regex(sample), sample[:80]
