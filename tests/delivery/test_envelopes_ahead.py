"""The next message's envelope sent behind the current body (RFC 2920 pipelining),
against the recording SMTP server: every message arrives once with its own envelope,
and an envelope whose message is not sent after all never gets a body."""

from __future__ import annotations

import asyncio
import email

import pytest

from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.delivery.throttle import TokenBucket
from newsletter.delivery.transport import Envelope, Outcome, Pipelining
from newsletter.delivery.verp import delivery_id_from_address
from newsletter.service import Service
from tests.delivery.helpers import add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import Faults, RecordingServer


def _envelope(n: int, recipient: str) -> Envelope:
    return Envelope(n, f"b+{n}@example.org", (recipient,))


def _message(n: int) -> bytes:
    return f"From: news@example.org\r\nSubject: {n}\r\n\r\n.starts with a dot {n}\r\n".encode()


async def test_the_next_envelope_rides_behind_the_body() -> None:
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        assert isinstance(pool, Pipelining)
        try:
            first = await pool.send(_message(1), "b+1@example.org", ["a@example.org"],
                                    tag=1, then=_envelope(2, "b@example.org"))  # fmt: skip
            second = await pool.send(_message(2), "b+2@example.org", ["b@example.org"],
                                     tag=2, then=_envelope(3, "c@example.org"))  # fmt: skip
            third = await pool.send(_message(3), "b+3@example.org", ["c@example.org"], tag=3)
        finally:
            await pool.close()
    assert [r[0].outcome for r in (first, second, third)] == [Outcome.sent] * 3
    assert (pool.sent_ahead, pool.connects) == (2, 1)
    got = [(r.sender, r.recipient, email.message_from_bytes(r.data)) for r in server.received]
    assert [(s, r, m["Subject"]) for s, r, m in got] == [
        ("b+1@example.org", "a@example.org", "1"),
        ("b+2@example.org", "b@example.org", "2"),
        ("b+3@example.org", "c@example.org", "3"),
    ]
    assert all(m.get_payload() == f".starts with a dot {m['Subject']}\r\n" for _, _, m in got)


async def test_a_forgotten_envelope_gets_no_body() -> None:
    """An unsubscribe (or a pause) after the envelope went ahead: its connection is
    closed, the server keeps nothing for it, and the next message takes a new one."""
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            await pool.send(_message(1), "b+1@example.org", ["a@example.org"],
                            tag=1, then=_envelope(2, "left@example.org"))  # fmt: skip
            pool.forget(2)
            after = await pool.send(_message(3), "b+3@example.org", ["c@example.org"], tag=3)
        finally:
            await pool.close()
        await asyncio.sleep(0.2)  # the server's side of the closed connection
    assert after[0].outcome is Outcome.sent
    assert pool.connects == 2
    assert [r.recipient for r in server.received] == ["a@example.org", "c@example.org"]


async def test_a_refused_body_leaves_the_envelope_ahead_alone() -> None:
    """No RSET after a refused body when an envelope is ahead: it would cancel that
    envelope, and after its DATA it would be taken for the next message's body."""
    faults = Faults(refuse_body={"a@example.org"})
    with RecordingServer(faults) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            refused = await pool.send(_message(1), "b+1@example.org", ["a@example.org"],
                                      tag=1, then=_envelope(2, "b@example.org"))  # fmt: skip
            sent = await pool.send(_message(2), "b+2@example.org", ["b@example.org"], tag=2)
        finally:
            await pool.close()
    assert (refused[0].outcome, refused[0].code) == (Outcome.permanent, 554)
    assert sent[0].outcome is Outcome.sent and pool.connects == 1
    assert [(r.recipient, r.data) for r in server.received] == [
        ("b@example.org", _message(2)),
    ]


async def test_closing_with_an_envelope_ahead_sends_no_body() -> None:
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        await pool.send(_message(1), "b+1@example.org", ["a@example.org"],
                        tag=1, then=_envelope(2, "b@example.org"))  # fmt: skip
        await pool.close()  # a QUIT now would be the body of b's message
        await asyncio.sleep(0.2)
    assert [r.recipient for r in server.received] == ["a@example.org"]


async def test_a_send_pipelines_its_envelopes_and_delivers_each_message_once(
    service: Service,
) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 200)
    issue_id = add_issue(ctx)
    perm = {recipients[3].email}
    refused = {recipients[10].email, recipients[11].email}
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    with RecordingServer(Faults(perm=perm, refuse_body=refused)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=3))
        await service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id)
        )
        await pool.close()
    assert pool.sent_ahead > 100  # most envelopes went behind the body before them
    received = server.handler.counts()
    assert set(received) == {r.email for r in recipients} - perm - refused
    assert set(received.values()) == {1}
    by_email = {d.email: d for d in service.delivery.deliveries(issue_id)}
    for item in server.received:  # each body under its own envelope
        assert email.message_from_bytes(item.data)["To"].endswith(f"<{item.recipient}>")
        assert delivery_id_from_address(ctx.settings, item.sender) == by_email[item.recipient].id
    status = service.delivery.status(issue_id)
    assert (status.sent, status.failed) == (197, 3)


@pytest.mark.parametrize(("lanes", "rate", "ahead"), [(2, 50.0, True), (30, 2.0, False)])
async def test_a_slow_rate_sends_no_envelope_ahead(
    service: Service, lanes: int, rate: float, ahead: bool
) -> None:
    """Under SEND_RATE an envelope sent ahead waits for the lane's next turn in the
    server's DATA state: only when that is a few seconds (30 lanes at 2 messages a
    second: 15 s, too long; the server is not kept waiting)."""
    ctx = service.ctx
    recipients = add_subscribers(ctx, 8)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        await service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
            lanes=lanes, bucket=TokenBucket(rate=rate),
        )  # fmt: skip
        await pool.close()
    assert (pool.sent_ahead > 0) is ahead
    assert set(server.handler.counts().values()) == {1}
    assert len(server.received) == 8
