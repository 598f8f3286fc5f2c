"""One run of the delivery worker: starts the feeder, the lanes, the recorder and the
watchers of stop and unsubscribes, waits for them, gives back what was not sent."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from newsletter.delivery import outbox
from newsletter.delivery.conclusion import Conclusion
from newsletter.delivery.feeder import Feeder
from newsletter.delivery.lanes import Lanes
from newsletter.delivery.progress import RunEnd, RunResult
from newsletter.delivery.recorder import Recorder
from newsletter.delivery.run_state import STATUS_POLL_SECONDS, WAIT_STEP, Abandoned, log
from newsletter.models import IssueStatus
from newsletter.store.delivery import Send


class Run(Feeder, Lanes, Recorder, Conclusion):
    """A run: its state (``RunState``) and parts, and what ties them together."""

    async def execute(self) -> RunResult:
        try:
            self.issue_id, self.started = await self.db(self._send_info)
        except Abandoned:
            return RunResult(RunEnd.stopped, self.progress)
        lanes = [asyncio.create_task(self._lane()) for _ in range(self.w.lanes)]
        recorder = asyncio.create_task(self._recorder())
        helpers = [asyncio.create_task(self._watch_stop()), asyncio.create_task(self._gate())]
        try:
            with contextlib.suppress(Abandoned):
                await self._feed()
            for _ in lanes:
                while not self.abandon and not all(lane.done() for lane in lanes):
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WAIT_STEP):
                            await self.queue.put(None)
                            break
            await self._join(lanes)
        finally:
            for helper in helpers:
                helper.cancel()
            await self._join(helpers, limit=0)
            await self._join(lanes, limit=0)
            self.done = True
            self.wake.set()
            await self._join([recorder])
            # whatever is still queued was claimed but never attempted
            while not self.queue.empty():
                item = self.queue.get_nowait()
                if item is not None:
                    self.unsent.append(item.id)
        try:
            await self.db(outbox.release, self.w.db, self.w.id, self.unsent)
            if not self.unwritten:  # rows a claim without an answer took, never queued
                await self.db(outbox.release_all, self.w.db, self.w.id)
            return await self.db(self._conclude)
        except Abandoned:
            return RunResult(RunEnd.stopped, self.progress, unwritten=self.unwritten)

    async def _join(self, tasks: list[asyncio.Task[None]], limit: float | None = None) -> None:
        """Wait for ``tasks`` in steps; cancel them after ``limit`` seconds (None: only
        when abandoning), then give up on them after 5 s (a cancellation may be lost).
        Raises the first error of a task (other than a cancellation)."""
        loop = asyncio.get_running_loop()
        end = None if limit is None else loop.time() + limit
        pending = {t for t in tasks if not t.done()}
        while pending:
            if self.abandon or (end is not None and loop.time() >= end):
                for task in pending:
                    task.cancel()
                _done, pending = await asyncio.wait(pending, timeout=5.0)
                if pending:
                    log.error("%d worker tasks did not stop; leaving them", len(pending))
                break
            _done, pending = await asyncio.wait(pending, timeout=WAIT_STEP)
        for task in tasks:
            if task.done() and not task.cancelled():
                error = task.exception()
                if error is not None and not isinstance(error, Abandoned):
                    raise error

    def _send_info(self) -> tuple[int, datetime]:
        with self.w.db.session() as session:
            send = session.get(Send, self.send_id)
            if send is None:
                raise ValueError(f"no send {self.send_id}")
            return send.issue_id or 0, send.created_at

    async def _watch_stop(self) -> None:
        """Halt on ``stop``, or as soon as the issue leaves ``sending`` (paused or
        cancelled by the coordinator): claimed rows not yet sent are given back. After
        ``stop``, give up waiting for the database after STOP_DRAIN_SECONDS."""
        while not self.stop.is_set():
            await self._sleep(STATUS_POLL_SECONDS, self.stop)
            if self.stop.is_set():
                break
            status = await self._try(self._issue_status)
            if status is None or status is IssueStatus.sent:  # down, or finished elsewhere
                continue
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused)
        self._halt(RunEnd.stopped)
        await self._give_up_after_drain()
        self.wake.set()

    async def _gate(self) -> None:
        """Every GATE_SECONDS, which claimed rows belong to someone who left."""
        while not self.halt.is_set():
            await self._sleep(self.w.gate_seconds, self.halt)
            gone = await self._try(outbox.unwanted_claimed, self.w.db, self.send_id, self.w.id)
            if gone is not None:
                self.gone = gone
