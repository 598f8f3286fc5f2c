"""The delivery worker: claims rows from the outbox, sends them, records the results.

Inside one process: a *feeder* claims batches into a bounded queue, ``lanes``
concurrent tasks (one per SMTP connection) take rows, build each message
(``MessageFactory``), wait for the token bucket and call the transport, and a
*recorder* writes results back in batches (what arrives during a write, or within
WRITE_GATHER of its start, goes into the next one, unless a quarter of the lanes wait
for it: then at once) and beats the worker's heartbeat.
Each part has its module: ``feeder``, ``lanes``, ``recorder``, ``conclusion``, over
the run's state and patient database calls (``run_state``), tied together by ``run``.

Crash bound: after ``kill -9``, the rows of the dead worker that are still ``sending``
go back to the queue (``outbox.recover_stale``) and are sent again. A recipient can
therefore receive the issue twice only if the server accepted the message but its
result was not yet written. A lane hands a message to the server only once the result
of the message before its last one is written, so at any moment a lane has at most one
accepted result waiting to be written and one message on the wire: **at most 2
recipients per connection can get a second copy** (8 with 4 connections). The next
envelope, sent ahead behind a body, is no message: a crash before its body is sent
delivers nothing. SIGTERM
(``stop``) stops claiming, lets in-flight messages finish, writes every result and
gives back the rows not attempted: zero duplicates. Both copies of a duplicate carry
the same Message-ID.

Database outage or full disk: the recorder keeps the results it has (accepted by the
server) and writes them when the database answers again; meanwhile the lanes wait
(the rule above stops them), the feeder stops claiming, and the progress says
"waiting for the database". A restart of the database costs no duplicate. Every wait
wakes at least once a second and every database call has a time limit, so one lost
cancellation (Python 3.11's ``asyncio.wait_for``, used inside aiosmtplib, can drop
one) cannot wedge the worker; after ``stop`` the worker gives up waiting after
``STOP_DRAIN_SECONDS`` (the unwritten results are then the bounded duplicates).

Unsubscribe: the claim skips rows whose subscriber left; the worker also re-reads,
every second, which of its claimed rows are no longer wanted, and skips them just
before sending.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery import outbox
from newsletter.delivery.failure_window import AUTO_PAUSED, Window
from newsletter.delivery.outbox import Claimed
from newsletter.delivery.progress import Progress, RunEnd, RunResult
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.run import Run
from newsletter.delivery.run_state import (
    HEARTBEAT_SECONDS,
    STATUS_POLL_SECONDS,
    WAIT_STEP,
    Abandoned,
)
from newsletter.delivery.throttle import Caps, TokenBucket
from newsletter.delivery.transport import Message, Transport
from newsletter.faults import DatabaseTimeout, fault_of
from newsletter.i18n import Msg
from newsletter.models import IssueStatus
from newsletter.store.db import Database
from newsletter.store.delivery import Send

__all__ = [
    "AUTO_PAUSED",
    "DUPLICATES_PER_CONNECTION",
    "HEARTBEAT_SECONDS",
    "STATUS_POLL_SECONDS",
    "WAIT_STEP",
    "MessageFactory",
    "Progress",
    "RunEnd",
    "RunResult",
    "SendOwner",
    "Worker",
]

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

LEASE = timedelta(seconds=60)
#: how often the claimed rows are checked against unsubscribes
GATE_SECONDS = 1.0
#: a database call that gets no answer in this time is given up (its thread too)
DB_CALL_SECONDS = 30.0
#: after stop, how long in-flight messages and unwritten results are waited for
STOP_DRAIN_SECONDS = 30.0
#: the crash bound: unwritten accepted results + messages on the wire, per connection
DUPLICATES_PER_CONNECTION = 2
#: results are written at least this often (when there are any)
FLUSH_INTERVAL = 0.05
#: results arriving this soon after the start of a write wait for the next one, so that
#: one transaction carries several results (each lane still waits only for its
#: result before last: the crash bound)
WRITE_GATHER = 0.01


class MessageFactory(Protocol):
    def __call__(self, row: Claimed) -> tuple[Message, str]:
        """(finished message, envelope sender) for one claimed delivery."""
        ...


class SendOwner(Protocol):
    """Keeps the status of a send that has no issue (the relay of a list post:
    ``service.list_relays``), with the rules of an issue's send."""

    def status(self, session: Session, send: Send) -> IssueStatus:
        """The send's status as an issue's would be (the worker asks before claiming)."""
        ...

    def paused(self, session: Session, send: Send, reason: Msg) -> None:
        """The run paused the send itself (too many failures), saying why."""
        ...

    def finished(self, session: Session, send: Send) -> None:
        """Every delivery of the send is done."""
        ...


class Worker:
    """Sends the outbox rows of one send at a time; see the module docstring."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        transport: Transport,
        *,
        lanes: int | None = None,
        batch_size: int | None = None,
        policy: RetryPolicy | None = None,
        bucket: TokenBucket | None = None,
        caps: Caps | None = None,
        on_permanent: Callable[[list[tuple[int, str]]], None] | None = None,
        owner: SendOwner | None = None,
        progress: Callable[[Progress], None] | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        write_gather: float = WRITE_GATHER,
        worker_id: str | None = None,
        gate_seconds: float = GATE_SECONDS,
        db_call_seconds: float = DB_CALL_SECONDS,
        stop_drain_seconds: float = STOP_DRAIN_SECONDS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport
        self.lanes = lanes or settings.smtp_connections
        self.batch_size = batch_size or settings.send_batch_size
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.bucket = bucket or TokenBucket(settings.send_rate)
        self.caps = caps or Caps.from_settings(settings)
        self.on_permanent = on_permanent
        #: the status of the sends without an issue (list posts' relays); None: such a
        #: send is sending until its deliveries are done
        self.owner = owner
        self.progress = progress
        self.flush_interval = flush_interval
        self.write_gather = write_gather
        self.gate_seconds = gate_seconds
        self.db_call_seconds = db_call_seconds
        self.stop_drain_seconds = stop_drain_seconds
        self.id = worker_id or f"w-{uuid.uuid4().hex[:16]}"
        self._registered = False
        # one thread (hence one pooled connection) for every database call of the worker
        self._db_thread: ThreadPoolExecutor | None = None
        #: totals over every run of this worker
        self.totals = Progress()
        #: recent results per send, for the auto-pause rule
        self.windows: dict[int, Window] = {}

    # --- lifecycle -------------------------------------------------------------------

    def register(self) -> None:
        if not self._registered:
            outbox.register_worker(self.db, self.id)
            self._registered = True

    def unregister(self) -> None:
        try:
            if self._registered:
                outbox.unregister_worker(self.db, self.id)
                self._registered = False
        except Exception as error:  # the database is gone: the lease will tell
            if fault_of(error) is None:
                raise
            log.warning("worker %s not unregistered: %s", self.id, fault_of(error))
        finally:
            if self._db_thread is not None:
                self._db_thread.shutdown(wait=False)
                self._db_thread = None

    async def in_db_thread(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a blocking database call off the event loop, in the worker's DB thread;
        ``DatabaseTimeout`` after ``db_call_seconds`` without an answer (the thread is
        then left to finish on its own and a new one takes the next calls)."""
        if self._db_thread is None:
            self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        thread = self._db_thread
        future = asyncio.get_running_loop().run_in_executor(thread, partial(func, *args, **kwargs))
        try:
            async with asyncio.timeout(self.db_call_seconds):
                return await future
        except TimeoutError:
            if self._db_thread is thread:
                self._db_thread = None
                thread.shutdown(wait=False)
            raise DatabaseTimeout(f"no answer within {self.db_call_seconds} s") from None

    # --- one send --------------------------------------------------------------------

    async def run_send(
        self, send_id: int, factory: MessageFactory, stop: asyncio.Event
    ) -> RunResult:
        """Send every due row of ``send_id``; returns why it ended."""
        run = Run(self, send_id, factory, stop)
        # a stop asked while the database is down, before the run starts, must end it too
        watcher = asyncio.create_task(run.abandon_after_stop())
        try:
            await run.db(self.register)
            # a fresh heartbeat before claiming: an idle worker's claims must not look stale
            await run.db(outbox.heartbeat, self.db, self.id)
            await run.db(outbox.recover_stale, self.db, LEASE)
        except Abandoned:
            return RunResult(RunEnd.stopped, self.totals)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        return await run.execute()
