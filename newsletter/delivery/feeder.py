"""The feeder of a run: claims batches of rows into the lanes' queue, under the caps."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from newsletter.delivery import outbox
from newsletter.delivery.progress import RunEnd
from newsletter.delivery.run_state import WAIT_STEP, RunState
from newsletter.i18n import N_
from newsletter.models import IssueStatus
from newsletter.store.base import utcnow
from newsletter.store.delivery import Send
from newsletter.store.editorial import Issue


class Feeder(RunState):
    """Claims rows while the send is ``sending`` and the caps allow, and queues them."""

    async def _feed(self) -> None:
        while not self.halt.is_set():
            status = await self.db(self._issue_status)
            if status is IssueStatus.sent:  # another sender finished it
                return
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused)
                return
            limit = await self._allowance()
            if limit is None:
                continue
            claimed, skipped = await self.db(
                outbox.claim, self.w.db, self.send_id, self.w.id, limit
            )
            self.progress.skipped += skipped
            if not claimed and not skipped:
                return
            queue = self.queue
            for index, row in enumerate(claimed):
                if not queue.full() and not self.halt.is_set():
                    queue.put_nowait(row)  # the usual case: no timer to set up
                    continue
                while not self.halt.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WAIT_STEP):
                            await self.queue.put(row)
                            break
                if self.halt.is_set():
                    self.unsent.extend(r.id for r in claimed[index:])
                    return

    def _issue_status(self) -> IssueStatus:
        with self.w.db.session() as session:
            if not self.issue_id:  # the relay of a list post: its owner keeps its status
                send = session.get(Send, self.send_id)
                if send is not None and self.w.owner is not None:
                    return self.w.owner.status(session, send)
                done = send is None or send.finished_at is not None
                return IssueStatus.sent if done else IssueStatus.sending
            issue = session.get(Issue, self.issue_id)
            return issue.status if issue else IssueStatus.cancelled

    async def _allowance(self) -> int | None:
        """Rows that may be claimed now under the caps; None after waiting for a cap."""
        caps = self.w.caps
        if not caps.active:
            return self.w.batch_size
        now = utcnow()

        def room() -> tuple[int, datetime | None]:
            best = self.w.batch_size
            wake: datetime | None = None
            with self.w.db.session() as session:
                for cap, since in caps.windows(now):
                    left = cap - outbox.used_in_window(session, since)
                    if left <= 0:
                        oldest = outbox.oldest_sent_since(session, since)
                        free_at = (oldest or now) + (now - since)
                        wake = free_at if wake is None else max(wake, free_at)
                    best = min(best, left)
            return best, wake

        left, wake = await self.db(room)
        if left > 0:
            return left
        self.progress.note = N_("Sending cap reached; waiting.")
        self._report()
        delay = max(1.0, min(60.0, ((wake or now) - now).total_seconds() + 0.5))
        await self._sleep(delay, self.halt)
        self.progress.note = ""
        return None
