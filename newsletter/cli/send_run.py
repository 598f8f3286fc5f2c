"""What ``issue send`` runs once its render child is started (``cli/send.py``): the
checks and warnings, the snapshot, the sender with its progress bar (and the helper
processes of ``--processes``), the summary."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import typer

from newsletter import baseurl
from newsletter.cli.common import _, console, err_console, list_names, shown
from newsletter.cli.send_progress import send_display
from newsletter.cli.web import warn
from newsletter.config import Settings, env_name
from newsletter.delivery.event_loop import run as run_loop
from newsletter.delivery.smtp import SmtpPool
from newsletter.delivery.throttle import TokenBucket
from newsletter.delivery.transport import Transport
from newsletter.delivery.worker import Progress as SendProgress
from newsletter.delivery.worker import RunEnd, RunResult
from newsletter.faults import storage_error
from newsletter.service import Service
from newsletter.service.sending import WAITING_FOR_RELAY

if TYPE_CHECKING:
    from newsletter.delivery.catcher import MailCatcher


def run_send(
    svc: Service, issue_id: int, to: str, *, yes: bool, catcher: bool, wait: bool, processes: int
) -> None:
    """The send of ``issue send``: its warnings and confirmation, the snapshot, then the
    sender with its progress (and its helper processes), then the summary."""
    settings = svc.ctx.settings
    try:
        total = _start(svc, settings, issue_id, list_names(to), yes=yes, catcher=catcher)
    finally:
        svc.delivery.drop_ahead(issue_id)
    # every link of every message starts with BASE_URL; with --yes nobody reads the
    # warnings before the send starts, so whether it answers is asked while sending
    probe = settings.base_url if yes and not catcher else None
    mail_catcher: MailCatcher | None = None
    smtp_settings = settings
    if catcher:  # aiosmtpd only when asked for
        from newsletter.delivery.catcher import MailCatcher, catcher_dir

        mail_catcher = MailCatcher(catcher_dir(settings))
        mail_catcher.start()
        smtp_settings = mail_catcher.smtp_settings(settings)
    # the connections and SEND_RATE are shared out, so the relay sees the same totals
    per_process = max(1, smtp_settings.smtp_connections // processes)
    smtp_settings = smtp_settings.model_copy(
        update={"smtp_connections": per_process, "send_rate": settings.send_rate / processes}
    )
    transport: Transport = SmtpPool.from_settings(smtp_settings)
    helpers = [_start_helper(issue_id, smtp_settings, wait) for _ in range(processes - 1)]
    try:
        result = run_loop(
            _send_with_progress(
                svc, issue_id, total, transport, wait, helpers, smtp_settings.send_rate, probe
            )
        )
    finally:
        for helper in helpers:
            helper.wait()
        if mail_catcher is not None:
            mail_catcher.stop()
    _summary(svc, issue_id, result)
    if mail_catcher is not None:
        console.print(_("Messages stored in {path}").format(path=mail_catcher.maildir))
    if result.end in (RunEnd.paused, RunEnd.stopped):
        raise typer.Exit(1)


def _start(
    svc: Service, settings: Settings, issue_id: int, lists: list[str], *, yes: bool, catcher: bool
) -> int:
    """The warnings, the confirmation (without --yes), then the snapshot: the number of
    recipients."""
    if not catcher:  # with --yes, whether BASE_URL answers is asked while sending
        for problem in baseurl.problems(settings.base_url, probe=not yes):
            warn(problem)
    if yes:  # nobody reads the warnings first: they come from the snapshot's readers
        total = svc.delivery.start_send(issue_id, lists or None)
        readers = svc.delivery.reader_languages(issue_id)
        for gap in svc.languages.gaps(issue_id, lists or None, readers).warnings():
            warn(gap)
        return total
    # readers of a language that some texts lack get the other version: say how many
    for gap in svc.languages.gaps(issue_id, lists or None).warnings():
        warn(gap)
    # the lists by name, the issue's own when --to is not given
    target = ", ".join(lists or svc.editorial.get_issue(issue_id).lists)
    typer.confirm(
        _("Send issue {issue} to the lists {lists}?").format(issue=issue_id, lists=target),
        abort=True,
    )
    return svc.delivery.start_send(issue_id, lists or None)


def _start_helper(issue_id: int, smtp: Settings, wait: bool) -> subprocess.Popen[bytes]:
    """Another ``issue send`` of the same issue: it resumes the same outbox."""
    env = dict(os.environ)
    env.update({
        env_name("smtp_host"): smtp.smtp_host,
        env_name("smtp_port"): str(smtp.smtp_port),
        env_name("smtp_security"): smtp.smtp_security.value,
        env_name("smtp_username"): smtp.smtp_username,
        env_name("smtp_connections"): str(smtp.smtp_connections),
        env_name("send_rate"): str(smtp.send_rate),
    })  # fmt: skip
    command = [sys.executable, "-m", "newsletter", "issue", "send", str(issue_id), "--yes"]
    if wait:
        command.append("--wait")
    return subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def _send_with_progress(
    svc: Service,
    issue_id: int,
    total: int,
    transport: Transport,
    wait: bool,
    helpers: list[subprocess.Popen[bytes]],
    rate: float,
    probe: str | None = None,
) -> RunResult:
    """The send with its progress bar; ``probe``: a BASE_URL to check meanwhile (its
    warning shows above the bar)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        stop.set()
        for helper in helpers:
            helper.send_signal(sig)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    before = svc.delivery.status(issue_id, counts_only=True)
    done_before = before.total - before.queued
    started = loop.time()
    with send_display(total, done_before, before.sent, before.failed) as display:
        last_shown = [started]  # the first totals are shown after ``display.every``
        shown_fault: list[object] = [None]
        shown_note = [""]
        totals = [done_before, before.sent, before.failed, 0.0]  # done, sent, failed, rate

        def show(description: str, totals: list[Any], final: bool) -> None:
            done, sent, failed, rate = totals
            display.show(description, done, sent, failed, rate, final)

        def on_progress(p: SendProgress, final: bool = False) -> None:
            now = loop.time()
            unchanged = p.fault == shown_fault[0] and p.note == shown_note[0]
            if not final and unchanged and now - last_shown[0] < display.every:
                return  # called after each write: the display takes far fewer
            last_shown[0] = now
            if p.fault != shown_fault[0]:  # one line when a fault starts, one when it ends
                if p.fault is not None:
                    display.line(f"{p.fault.msg().render()}: {_(p.fault.waiting())}")
                elif shown_fault[0] is not None:
                    display.line(_("Sending again."))
                shown_fault[0] = p.fault
            if p.note != shown_note[0]:
                if p.note == WAITING_FOR_RELAY:
                    display.line(_(p.note))
                shown_note[0] = p.note
            elapsed = max(1e-6, now - started)
            if helpers and p.note:  # the outbox cannot be asked now
                show(_(p.note), totals, final)
                return
            if helpers:  # several processes: the outbox has the totals
                current = svc.delivery.status(issue_id, counts_only=True)
                totals[:] = [current.total - current.queued, current.sent, current.failed,
                             (current.sent - before.sent) / elapsed]  # fmt: skip
                show(_("Sending"), totals, final)
                return
            totals[:] = [done_before + p.sent + p.failed + p.skipped, before.sent + p.sent,
                         before.failed + p.failed, p.sent / elapsed]  # fmt: skip
            show(_(p.note) if p.note else _("Sending"), totals, final)

        probing = asyncio.create_task(_probe(probe)) if probe else None
        try:
            result = await svc.delivery.run(
                issue_id,
                transport,
                stop,
                wait_retries=wait,
                progress=on_progress,
                bucket=TokenBucket(rate),
            )
            on_progress(result.progress, final=True)
            return result
        finally:
            await transport.close()
            if probing is not None:  # bounded by the probe's timeout
                await probing
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)


async def _probe(base_url: str) -> None:
    """Warn when BASE_URL does not answer (asked in a thread: the send goes on)."""
    try:
        problem = await asyncio.to_thread(baseurl.unanswered, base_url)
    except Exception:  # a malformed answer, say: a warning never stops a send
        logging.getLogger(__name__).warning("BASE_URL probe failed", exc_info=True)
        return
    if problem is not None:
        warn(problem)


def _summary(svc: Service, issue_id: int, result: RunResult) -> None:
    try:
        status = svc.delivery.status(issue_id, counts_only=True)
    except Exception as error:  # stopped while the database is away: say what we know
        message = storage_error(error)
        if message is None:
            raise
        err_console.print(_("Error: ") + message.render(), markup=False)
        next_retry_at = None
    else:
        console.print(
            _(
                "Issue {id}: {sent} sent, {failed} failed, {skipped} skipped, "
                "{queued} still queued ({retrying} waiting for a retry) of {total}."
            ).format(**status.document())
        )
        next_retry_at = status.document()["next_retry_at"]
    if result.end is RunEnd.paused:
        err_console.print(
            _("Sending paused: {reason}").format(
                reason=shown(result.reason.render() if result.reason else "-", lines=True)
            )
        )
    elif result.end is RunEnd.stopped:
        err_console.print(_("Stopped. Run the same command again to resume."))
        if result.unwritten:
            err_console.print(
                _(
                    "The database did not answer: {count} results could not be written; "
                    "those recipients may get the issue twice when the send resumes."
                ).format(count=result.unwritten)
            )
    elif result.end is RunEnd.waiting:
        console.print(
            _(
                "Temporary failures will be retried from {at} by 'newsletter serve' or by "
                "running this command again."
            ).format(at=next_retry_at)
        )
