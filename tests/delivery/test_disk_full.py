"""A full disk under the SQLite database during ``issue send``: the sender says so in
one line, waits, and finishes once space is back, with nobody missed or sent twice.

The database lives on a small tmpfs of the test's own (mounted as root, as the test
script runs in CI); a ballast file fills it in the middle of the send and is deleted a
few seconds later. The writes then fail with the kernel's ENOSPC, as on a real disk.
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import Settings
from newsletter.context import open_context
from tests.content.sample import build_sample
from tests.delivery.helpers import Rcpt, add_subscribers
from tests.delivery.smtpd import RecordingServer
from tests.support.sender import sender_env, sender_settings, start_issue_send


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs: room for the database, and quickly filled by a ballast file."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mountpoint)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the full-disk test (needs root): {result.stderr}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def _fill(path: Path) -> int:
    """Write ``path`` until the filesystem is full; returns the bytes written."""
    written = 0
    block = b"\0" * 65536
    with open(path, "wb", buffering=0) as ballast:
        while True:
            try:
                written += ballast.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
        with contextlib.suppress(OSError):  # the last few bytes
            while ballast.write(b"\0" * 512):
                written += 512
    return written


def _issue_on(disk: Path, data: Path, count: int) -> tuple[Settings, int, list[Rcpt]]:
    """Settings whose SQLite database lives on ``disk``, the sample issue and ``count``
    subscribers."""
    settings = sender_settings(data, f"sqlite:///{disk / 'newsletter.db'}")
    ctx = open_context(settings)
    with ctx.db.session() as session:
        issue_id = build_sample(session, settings)
    recipients = add_subscribers(ctx, count, prefix="disk")
    ctx.close()
    return settings, issue_id, recipients


def test_issue_send_through_a_full_disk_sends_everyone_once(
    small_disk: Path, tmp_path: Path
) -> None:
    settings, issue_id, recipients = _issue_on(small_disk, tmp_path / "data", 1000)
    with RecordingServer() as smtp:
        env = sender_env(settings, smtp.port, rate=100)
        sender = start_issue_send(env, issue_id)
        ballast = small_disk / "ballast"
        try:
            deadline = time.monotonic() + 90
            while len(smtp.received) < 100:
                assert sender.poll() is None, sender.communicate()
                assert time.monotonic() < deadline, "the sender never got going"
                time.sleep(0.02)
            _fill(ballast)
            at_full = len(smtp.received)
            # the sender soon cannot write its results: it stops handing messages over
            deadline = time.monotonic() + 30
            stalled, last, since = False, -1, time.monotonic()
            while time.monotonic() < deadline:
                assert sender.poll() is None, sender.communicate()
                now_received = len(smtp.received)
                if now_received != last:
                    last, since = now_received, time.monotonic()
                elif time.monotonic() - since > 3:
                    stalled = True
                    break
                time.sleep(0.1)
            during = len(smtp.received)
        finally:
            ballast.unlink(missing_ok=True)  # space is back
        _out, err = sender.communicate(timeout=120)
        received = smtp.handler.counts()
    assert stalled, "the send never stopped on the full disk"
    assert at_full < during < len(recipients)  # the disk filled in the middle of the send
    assert sender.returncode == 0, err[-2000:]
    assert set(received) == {r.email for r in recipients}  # 0 missing
    assert max(received.values()) == 1  # 0 duplicates
    assert "Traceback" not in err
    full = [line for line in err.splitlines() if "disque est plein" in line]
    assert full, err  # one line each time the disk fills, the same line
    assert set(full) == {"le disque est plein (OperationalError): en attente d'espace disque"}
    assert "L'envoi reprend." in err
    assert not any("@example.org" in line for line in err.splitlines())  # no personal data


def test_issue_send_on_a_full_disk_refuses_in_one_line_and_queues_nobody(
    small_disk: Path, tmp_path: Path
) -> None:
    """The disk is full before the send starts: SQLite cannot even open its WAL (a
    "disk I/O error"); the free space of the database's folder says why. The command
    says so in the README's one line (no traceback, nobody's address) and sends nothing;
    once space is back the same command sends the issue to everyone once."""
    settings, issue_id, recipients = _issue_on(small_disk, tmp_path / "data", 300)
    with RecordingServer() as smtp:
        env = sender_env(settings, smtp.port, rate=0)
        ballast = small_disk / "ballast"
        try:
            _fill(ballast)
            refused = start_issue_send(env, issue_id)
            _out, err = refused.communicate(timeout=120)
        finally:
            ballast.unlink(missing_ok=True)
        assert refused.returncode != 0
        assert "Traceback" not in err, err[-2000:]
        assert "le disque est plein (OperationalError)" in err, err[-2000:]
        assert not any("@example.org" in line for line in err.splitlines())
        assert not smtp.received
        sender = start_issue_send(env, issue_id)
        _out, err = sender.communicate(timeout=120)
        assert sender.returncode == 0, err[-2000:]
        received = smtp.handler.counts()
    assert set(received) == {r.email for r in recipients} and max(received.values()) == 1
