"""Supervision of the long-running tasks of ``serve``: delivery worker, scheduler, IMAP poll.

``supervise(name, start, stop, board)`` runs ``start()`` until ``stop`` is set; when it
raises, the error is logged (with its detail), the task is shown as stopped with a
one-line reason, and it is started again after a backoff (1 s, doubling, at most
``MAX_BACKOFF``; back to 1 s after a run that lasted a minute).

What the tasks are doing is kept on a ``HealthBoard``: one small JSON file per process
in ``DATA_DIR/health/``, written atomically. A file rather than a table, because the
most common reason for a stopped task is a database that does not answer; the console
and ``issue status`` read it (files of processes that are gone are ignored).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsletter.delivery.outbox import HOSTNAME, pid_alive
from newsletter.faults import fault_of
from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg, gettext
from newsletter.store.base import utcnow

log = logging.getLogger(__name__)

DELIVERY = "delivery"
SCHEDULER = "scheduler"
INTAKE = "intake"
SENDER = "sender"  # an ``issue send`` process
TITLES = {
    DELIVERY: N_("delivery worker"),
    SCHEDULER: N_("scheduler"),
    INTAKE: N_("mailbox poll"),
    SENDER: N_("sender"),
}
RUNNING = "running"
STOPPED = "stopped"
WAITING = "waiting"
TASK_STOPPED = N_("{task} stopped: {reason}")
TASK_WAITING = N_("{task}: {reason}")
UNEXPECTED = N_("unexpected error {error} (see the log)")
RETURNED = N_("it ended without being asked to")
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class TaskState:
    task: str
    state: str  # running, stopped (restarting at ``retry_at``), waiting (for the database)
    reason: Msg | None
    since: datetime
    retry_at: datetime | None = None

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """ "delivery worker stopped: the database does not answer (…)", translated."""
        title = gettext(lang, TITLES.get(self.task, self.task))
        reason = self.reason.render(lang) if self.reason else ""
        template = TASK_STOPPED if self.state == STOPPED else TASK_WAITING
        return gettext(lang, template).format(task=title, reason=reason)

    def document(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        return {
            "task": self.task,
            "state": self.state,
            "message": self.message(lang) if self.state != RUNNING else "",
            "since": self.since.isoformat(),
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }


def describe(error: BaseException) -> Msg:
    """A one-line reason for ``error`` with no personal data (the log has the rest)."""
    fault = fault_of(error)
    if fault is not None:
        return fault.msg()
    return Msg(UNEXPECTED, {"error": type(error).__name__})


class HealthBoard:
    """The task states of this process, in ``DATA_DIR/health/HOST-PID.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / "health"
        self.path = self.folder / f"{HOSTNAME}-{os.getpid()}.json"
        self.tasks: dict[str, TaskState] = {}

    def set(
        self,
        task: str,
        state: str,
        reason: Msg | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        old = self.tasks.get(task)
        if old is not None and (old.state, old.reason, old.retry_at) == (state, reason, retry_at):
            return
        since = old.since if old is not None and old.state == state else utcnow()
        self.tasks[task] = TaskState(task, state, reason, since, retry_at)
        self._write()

    def clear(self, task: str) -> None:
        if self.tasks.pop(task, None) is not None:
            self._write()

    def close(self) -> None:
        self.tasks.clear()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _write(self) -> None:
        document = {
            "hostname": HOSTNAME,
            "pid": os.getpid(),
            "tasks": [
                {
                    "task": t.task,
                    "state": t.state,
                    "reason": {"msgid": t.reason.msgid, "params": t.reason.params}
                    if t.reason
                    else None,
                    "since": t.since.isoformat(),
                    "retry_at": t.retry_at.isoformat() if t.retry_at else None,
                }
                for t in self.tasks.values()
            ],
        }
        try:  # a full disk must not stop the task being reported on
            self.folder.mkdir(parents=True, exist_ok=True)
            spare = self.path.with_suffix(".tmp")
            spare.write_text(json.dumps(document), encoding="utf-8")
            spare.replace(self.path)
        except OSError as error:
            log.warning("cannot write %s: %s", self.path, error)


def read_health(data_dir: Path) -> list[TaskState]:
    """Task states of every running process on this host (gone processes ignored)."""
    folder = Path(data_dir) / "health"
    states: list[TaskState] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("hostname") == HOSTNAME and not pid_alive(int(document["pid"])):
                continue
            for entry in document["tasks"]:
                reason = entry.get("reason")
                states.append(
                    TaskState(
                        task=str(entry["task"]),
                        state=str(entry["state"]),
                        reason=Msg(str(reason["msgid"]), dict(reason["params"]))
                        if reason
                        else None,
                        since=datetime.fromisoformat(entry["since"]),
                        retry_at=datetime.fromisoformat(entry["retry_at"])
                        if entry.get("retry_at")
                        else None,
                    )
                )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being replaced, or not ours
    return states


async def supervise(
    name: str,
    start: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    board: HealthBoard,
    *,
    first_backoff: float = 1.0,
    max_backoff: float = MAX_BACKOFF,
) -> None:
    """Run ``start()`` again and again until ``stop``; see the module docstring."""
    loop = asyncio.get_running_loop()
    backoff = first_backoff
    while not stop.is_set():
        board.set(name, RUNNING)
        began = loop.time()
        try:
            await start()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            reason = describe(error)
            log.error("%s stopped: %s", name, reason, exc_info=error)
        else:
            if stop.is_set():
                break
            reason = Msg(RETURNED)
            log.error("%s stopped: %s", name, reason)
        if loop.time() - began > 60:
            backoff = first_backoff
        board.set(name, STOPPED, reason, utcnow() + timedelta(seconds=backoff))
        await sleep_or_stop(stop, backoff)
        backoff = min(max_backoff, backoff * 2)
    board.clear(name)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
