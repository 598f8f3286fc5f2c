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
        assert pool.pipelined == 3  # the server offers PIPELINING: one write per envelope
    finally:
        await pool.close()
    assert sorted(r.recipient for r in server.received) == [
        "ok1@example.org", "ok2@example.org", "soft@example.org",
    ]  # fmt: skip
    assert all(r.data.rstrip(b"\r\n") == MESSAGE.rstrip(b"\r\n") for r in server.received)


async def test_pool_without_pipelining_sends_commands_one_at_a_time() -> None:
    faults = Faults(temp_first={"soft@example.org"}, perm={"gone@example.org"}, pipelining=False)
    with RecordingServer(faults) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            results = await pool.send(
                MESSAGE, "bounces@example.org",
                ["ok1@example.org", "gone@example.org", "soft@example.org"],
            )  # fmt: skip
            refused = await pool.send(MESSAGE, "bounces@example.org", ["gone@example.org"])
            after = await pool.send(MESSAGE, "bounces@example.org", ["ok2@example.org"])
        finally:
            await pool.close()
        assert [r.code for r in results] == [250, 550, 451]
        assert refused[0].outcome is Outcome.permanent and after[0].outcome is Outcome.sent
        assert pool.pipelined == 0 and pool.connects == 1
        assert sorted(r.recipient for r in server.received) == [
            "ok1@example.org",
            "ok2@example.org",
        ]


@pytest.mark.parametrize("pipelining", [True, False])
async def test_pool_refused_sender_refuses_every_recipient(pipelining: bool) -> None:
    """A refused MAIL: every recipient gets its reply (pipelined RCPT and DATA replies
    are read and dropped), and the connection carries the next message."""
    with RecordingServer(Faults(pipelining=pipelining)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            refused = await pool.send(MESSAGE, "bad address@", ["a@example.org", "b@example.org"])
            after = await pool.send(MESSAGE, "bounces@example.org", ["c@example.org"])
        finally:
            await pool.close()
    assert [r.outcome for r in refused] == [Outcome.permanent, Outcome.permanent]
    assert 500 <= refused[0].code < 600
    assert after[0].outcome is Outcome.sent and pool.connects == 1
    assert [r.recipient for r in server.received] == ["c@example.org"]


async def test_command_timeout_and_data_timeout_are_separate() -> None:
    """The reply after the body may take SMTP_DATA_TIMEOUT (RFC 5321: 10 minutes), far
    longer than SMTP_TIMEOUT for the commands."""
    with RecordingServer(Faults(delay=1.0)) as server:
        patient = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1, timeout=0.5,
                                      data_timeout=10))  # fmt: skip
        hasty = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1, timeout=10,
                                    data_timeout=0.3))  # fmt: skip
        try:
            slow = await patient.send(MESSAGE, "b@example.org", ["slow@example.org"])
            cut = await hasty.send(MESSAGE, "b@example.org", ["cut@example.org"])
        finally:
            await patient.close()
            await hasty.close()
    assert slow[0].outcome is Outcome.sent
    assert cut[0].outcome is Outcome.temporary and cut[0].code == 0
    assert "Timed out" in cut[0].reply


def test_replies_are_read_however_they_arrive() -> None:
    """Pipelined replies come several to a packet, or split anywhere."""
    from newsletter.delivery.smtp import _Replies

    class Transport(asyncio.Transport):
        def close(self) -> None:
            self.closed = True

    stream = b"250-first\r\n250 second\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    for cut in range(1, len(stream)):
        replies = _Replies(Transport())
        replies.data_received(stream[:cut])
        replies.data_received(stream[cut:])
        assert [(r.code, r.message) for r in replies.replies] == [
            (250, "first\nsecond"), (250, "2.1.5 Ok"), (354, "End data with <CR><LF>.<CR><LF>"),
        ]  # fmt: skip
        assert not replies.buffer and replies.lost is None
    broken = _Replies(Transport())
    broken.data_received(b"hello there\r\n")
    assert isinstance(broken.lost, ConnectionError) and not broken.replies
    # a packet seen before gives the same replies again, however the next ones come
    again = _Replies(Transport())
    for packet in (stream, stream, b"250 Ok: queued as A\r\n", stream[:9], stream[9:], stream):
        again.data_received(packet)
    envelope = [(250, "first\nsecond"), (250, "2.1.5 Ok"), (354, "End data with <CR><LF>.<CR><LF>")]
    assert [(r.code, r.message) for r in again.replies] == [
        *envelope, *envelope, (250, "Ok: queued as A"), *envelope, *envelope,
    ]  # fmt: skip
    again.data_received(b"hello there\r\n")  # a bad packet after known ones is refused
    assert isinstance(again.lost, ConnectionError) and not again.buffer.startswith(b"250")


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
