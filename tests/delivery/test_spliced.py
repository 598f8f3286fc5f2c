"""A spliced message handed over as pieces: the pool writes its dot-stuffed pieces, the
server receives exactly ``bytes(message)``; the wire form equals ``wire_body``'s."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.delivery.maildir import MaildirTransport
from newsletter.delivery.smtp import SmtpConfig, SmtpPool, wire_body
from newsletter.delivery.transport import Outcome
from newsletter.render.contract import Spliced, dot_stuffed
from tests.delivery.smtpd import RecordingServer

#: lines that dot-stuffing must double (a quoted-printable wrap can start one with a dot)
LINES = [b".", b"..", b".x=", b"x", b"", b"=2E", b"a.b", b" .", b"QZ", b"\xc3\xa9."]


def spliced(generator: random.Random, size: int) -> Spliced:
    """Pieces of whole CRLF lines; every third one the recipient's own (not stuffed in
    advance: ``wire`` must do it)."""
    pieces = [
        b"".join(generator.choice(LINES) + b"\r\n" for _ in range(generator.randrange(1, 6)))
        for _ in range(size)
    ]
    own = [index for index in range(size) if index % 3 == 1]
    stuffed = [b"" if index in own else dot_stuffed(piece) for index, piece in enumerate(pieces)]
    return Spliced(pieces, stuffed, own)


def test_the_wire_form_of_the_pieces_is_wire_body_of_the_message() -> None:
    generator = random.Random(10)
    for _ in range(2000):
        message = spliced(generator, generator.randrange(1, 12))
        data = bytes(message)
        assert data == b"".join(message.pieces) and len(message) == len(data)
        assert b"".join(message.wire()) == wire_body(data), data[:80]


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


async def test_pool_and_maildir_deliver_the_joined_pieces(
    server: RecordingServer, tmp_path: Path
) -> None:
    generator = random.Random(3)
    head = b"From: news@example.org\r\nSubject: pieces\r\n\r\n"
    messages = []
    for _ in range(5):
        body = spliced(generator, 9)
        messages.append(Spliced([head, *body.pieces], [head, *body.stuffed],
                                [index + 1 for index in body.own]))  # fmt: skip
    pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
    try:
        results = [await pool.send(m, "bounces@example.org", ["ok@example.org"]) for m in messages]
    finally:
        await pool.close()
    assert [r[0].outcome for r in results] == [Outcome.sent] * 5
    # what the server took from the wire (dots unstuffed) is the message, byte for byte
    assert [r.data for r in server.received] == [bytes(m) for m in messages]
    box = MaildirTransport(tmp_path / "box")
    assert (await box.send(messages[0], "b@example.org", ["a@example.org"]))[0].ok
    assert box.store.messages()[0].endswith(bytes(messages[0]))


def test_the_pieces_go_out_on_the_senders_event_loop(server: RecordingServer) -> None:
    """``issue send`` runs on uvloop, whose transport writes the pieces itself."""
    from newsletter.delivery.event_loop import run

    message = spliced(random.Random(5), 7)
    head = b"From: news@example.org\r\nSubject: uvloop\r\n\r\n"
    message = Spliced([head, *message.pieces], [head, *message.stuffed],
                      [index + 1 for index in message.own])  # fmt: skip

    async def send() -> list[Outcome]:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            return [r.outcome for r in await pool.send(message, "b@example.org", ["a@x.org"])]
        finally:
            await pool.close()

    assert run(send()) == [Outcome.sent]
    assert [r.data for r in server.received] == [bytes(message)]
