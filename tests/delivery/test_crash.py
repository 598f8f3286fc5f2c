"""Crash safety with real processes: SIGKILL mid-send then resume, SIGTERM drain, and
two concurrent sender processes on one outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from newsletter.context import Context
from newsletter.delivery.worker import DUPLICATES_PER_CONNECTION
from newsletter.models import DeliveryStatus as D
from newsletter.service import Service
from newsletter.store.delivery import Delivery
from tests.delivery.helpers import add_issue, add_subscribers
from tests.delivery.smtpd import RecordingServer

ROOT = Path(__file__).resolve().parents[2]
LANES = 4


# sender processes import from cached bytecode (the suite runs with
# PYTHONDONTWRITEBYTECODE, which would make each start compile every module again)
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "newsletter-test-pycache")


class _Senders:
    """The sender processes a test starts; any still running at its end is killed (a
    failed wait must not leave one sending into the next test)."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, ctx: Context, issue_id: int, port: int, rate: float, barrier: Path | None = None
    ) -> subprocess.Popen[str]:
        process = _start(ctx, issue_id, port, rate, barrier)
        self.started.append(process)
        return process

    def kill_left(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture
def senders() -> Iterator[_Senders]:
    started = _Senders()
    try:
        yield started
    finally:
        started.kill_left()


def _start(
    ctx: Context, issue_id: int, port: int, rate: float, barrier: Path | None = None
) -> subprocess.Popen[str]:
    options = {
        "barrier": str(barrier) if barrier else "",
        "database_url": ctx.settings.effective_database_url,
        "secret_key": ctx.settings.secret,
        "issue_id": issue_id,
        "port": port,
        "lanes": LANES,
        "rate": rate,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.sender_proc", json.dumps(options)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_ENV,
    )  # fmt: skip


def _wait_for(server: RecordingServer, count: int, process: subprocess.Popen[str]) -> None:
    # a liveness limit, not a speed check: a loaded shared machine starts Python slowly
    deadline = time.monotonic() + 120
    while len(server.received) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "sender too slow"
        time.sleep(0.01)


def _finish(process: subprocess.Popen[str]) -> str:
    # a liveness limit too: a sender that hangs fails here, a slow machine does not
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return out


def _statuses(ctx: Context, issue_id: int) -> dict[str, D]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(Delivery.email, Delivery.status).where(Delivery.issue_id == issue_id)
        ).all()
    return {email: D(status) for email, status in rows}


def _prepare(service: Service, count: int) -> tuple[int, set[str]]:
    recipients = add_subscribers(service.ctx, count)
    issue_id = add_issue(service.ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    return issue_id, {r.email for r in recipients}


def test_sigkill_then_resume_sends_everyone_once_within_the_bound(
    service: Service, senders: _Senders
) -> None:
    ctx = service.ctx
    issue_id, everyone = _prepare(service, 800)
    with RecordingServer() as server:
        first = senders.start(ctx, issue_id, server.port, rate=800)
        _wait_for(server, 200, first)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate()
        at_kill = _statuses(ctx, issue_id)
        received_before = Counter(server.handler.counts())
        second = senders.start(ctx, issue_id, server.port, rate=0)
        assert _finish(second).startswith("finished")
        received = server.handler.counts()
    assert set(received) == everyone  # nobody missed
    duplicates = {email for email, n in received.items() if n > 1}
    assert all(n <= 2 for n in received.values())
    # only messages in flight at the kill (claimed, result not yet written) can repeat;
    # a row recorded as sent is never sent again
    assert all(at_kill[email] is D.sending for email in duplicates)
    assert len(duplicates) <= DUPLICATES_PER_CONNECTION * LANES  # at most 2 per connection
    print(
        f"in flight at the kill: {sum(s is D.sending for s in at_kill.values())}, "
        f"sent twice: {len(duplicates)}"
    )
    assert sum(received_before.values()) >= 200
    after = _statuses(ctx, issue_id)
    assert set(after.values()) == {D.sent}
    assert service.delivery.status(issue_id).status == "sent"


def test_sigterm_drains_without_duplicates(service: Service, senders: _Senders) -> None:
    ctx = service.ctx
    issue_id, everyone = _prepare(service, 600)
    with RecordingServer() as server:
        first = senders.start(ctx, issue_id, server.port, rate=600)
        _wait_for(server, 150, first)
        first.send_signal(signal.SIGTERM)
        assert _finish(first).startswith("stopped")
        at_stop = _statuses(ctx, issue_id)
        assert D.sending not in at_stop.values()
        sent_rows = {e for e, s in at_stop.items() if s is D.sent}
        assert sent_rows == set(server.handler.counts())  # every accepted message recorded
        assert len(sent_rows) < len(everyone)
        second = senders.start(ctx, issue_id, server.port, rate=0)
        assert _finish(second).startswith("finished")
        received = server.handler.counts()
    assert set(received) == everyone
    assert max(received.values()) == 1


def test_two_sender_processes_never_send_a_row_twice(service: Service, senders: _Senders) -> None:
    ctx = service.ctx
    issue_id, everyone = _prepare(service, 1000)
    barrier = Path(tempfile.mkdtemp(prefix="barrier-"))
    with RecordingServer() as server:
        workers = [
            senders.start(ctx, issue_id, server.port, rate=0, barrier=barrier) for _ in range(2)
        ]
        deadline = time.monotonic() + 60
        while len(list(barrier.glob("ready-*"))) < 2:  # both loaded, then both go at once
            assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
            assert time.monotonic() < deadline, "senders never got ready"
            time.sleep(0.01)
        (barrier / "go").touch()
        outputs = [_finish(w) for w in workers]
        received = server.handler.counts()
    assert set(received) == everyone
    assert max(received.values()) == 1
    per_worker = [int(out.split()[1]) for out in outputs]
    assert sum(per_worker) == 1000
    assert all(n > 0 for n in per_worker), per_worker  # both really took part
    assert service.delivery.status(issue_id).sent == 1000
