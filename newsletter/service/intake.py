"""Service of the e-mail intake: partner news and bounces, from IMAP or a pipe.

``poll()`` reads the submissions mailbox once; ``ingest_file``/``ingest_stream`` take
raw messages as an MTA delivers them. Each message is decided and recorded in one
transaction (``intake.mail.pipeline``); then, outside it, bounces are recorded on
their deliveries and subscribers (``service.delivery.mark_bounced``) and the optional
acknowledgement goes out. A bounce whose recording was interrupted is applied at the
next poll (``bounces_applied``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from imap_tools.errors import ImapToolsError
from sqlalchemy.exc import IntegrityError

from newsletter.audience import subscriptions
from newsletter.context import Context
from newsletter.delivery.bounces import match_complaint, match_delivery
from newsletter.errors import NewsletterError, NotFoundError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg
from newsletter.intake.mail.bounce_codes import Severity
from newsletter.intake.mail.imap import PROCESSED, QUARANTINE, Mailbox
from newsletter.intake.mail.pipeline import Origin, process_message, record_failure
from newsletter.intake.mail.pipeline import Result as Result  # what the doors are given
from newsletter.intake.mail.source import HEAD_KEEP, RawMessage, read_file, read_stream
from newsletter.models import InboundOutcome
from newsletter.report.feedback import COMPLAINT
from newsletter.service.json_result import JsonResult
from newsletter.service.notices import NoticesService
from newsletter.store import intake as store
from newsletter.store.audience import Subscriber
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery
from newsletter.store.intake import InboundMessage

if TYPE_CHECKING:
    from newsletter.service.lists import ListsService

log = logging.getLogger(__name__)
#: one poll at a time in a process (the scheduler and the console may both ask); polls
#: of two processes are kept apart by the table's unique keys
_POLL_LOCK = threading.Lock()


@dataclass
class PollReport:
    results: list[Result] = field(default_factory=list)
    #: messages left in the mailbox (a move failed); they are picked up next time
    left: int = 0
    #: another process was reading the mailbox: nothing was done
    busy: bool = False

    def counts(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in InboundOutcome}
        for result in self.results:
            if not result.duplicate or result.outcome is InboundOutcome.ignored:
                counts[result.outcome.value] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": [r.as_dict() for r in self.results],
            "counts": self.counts(),
            "left": self.left,
            "busy": self.busy,
        }


@dataclass(frozen=True)
class BounceVerdict:
    """What a bounce said of one delivery (``IntakeService.bounce_verdicts``)."""

    #: "hard", "soft" or "other" (not the address's fault), see ``intake.mail.bounce_codes``
    severity: str
    #: the readable reason, translated when shown (``reason.render(lang)``)
    reason: Msg | None
    status: str
    diagnostic: str
    #: the incoming message it came in
    record_id: int


def is_unmatched_bounce(record: InboundMessage) -> bool:
    """A bounce that proved no delivery of ours (see ``delivery.bounces``)."""
    return record.outcome is InboundOutcome.bounce and not any(
        b.get("delivery_id") for b in record.bounces or []
    )


@dataclass(frozen=True)
class InboundView(JsonResult):
    """An incoming message record (the console's lists, ``intake list --json``)."""

    id: int
    received_at: datetime | None
    source: str
    folder: str | None
    uid: int | None
    message_id: str
    sender: str
    subject: str
    outcome: str
    #: why it became what it did (quarantine, unknown sender…), translated when shown
    reason: Msg | None
    news_id: int | None
    bounces: list[Any]
    #: a bounce that proved no delivery of ours: recorded, it changed no one
    unmatched: bool
    size: int
    raw_truncated: bool

    @classmethod
    def of(cls, record: InboundMessage) -> InboundView:
        return cls(
            id=record.id,
            received_at=record.received_at,
            source=record.source,
            folder=record.folder,
            uid=record.uid,
            message_id=record.message_id,
            sender=record.sender,
            subject=record.subject,
            outcome=record.outcome.value,
            reason=Msg.stored(record.reason, record.reason_params) if record.reason else None,
            news_id=record.news_id,
            bounces=list(record.bounces or []),
            unmatched=is_unmatched_bounce(record),
            size=record.size,
            raw_truncated=record.raw_truncated,
        )

    def reason_in(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.reason.render(lang) if self.reason else ""

    def as_json(self) -> dict[str, Any]:
        """The CLI's document: the reason in French, as before."""
        return {**super().as_json(), "reason": self.reason_in()}


class IntakeService:
    def __init__(
        self,
        ctx: Context,
        delivery: Any = None,
        notices: NoticesService | None = None,
        *,
        lists: Callable[[], ListsService] | None = None,
    ) -> None:
        self.ctx = ctx
        #: the mailing lists: messages to a posting address become their posts
        self._lists = lists
        #: the delivery service: records bounces on deliveries and subscribers
        self.delivery = delivery
        #: sends the acknowledgements (none without it)
        self.notices = notices

    # --- ways in -------------------------------------------------------------------------
    def ingest_bytes(self, data: bytes, *, source: str = "stdin") -> Result:
        too_large = len(data) > self.ctx.settings.intake_max_message
        raw = RawMessage(data[:HEAD_KEEP] if too_large else data, len(data), too_large)
        return self.ingest(raw, Origin(source))

    def ingest_file(self, path: Path) -> Result:
        raw = read_file(path, self.ctx.settings.intake_max_message)
        result = self.ingest(raw, Origin("file"))
        result.label = str(path)
        return result

    def ingest_stream(self, stream: BinaryIO, *, envelope: Sequence[str] = ()) -> Result:
        """One message as an MTA pipes it; ``envelope``: its envelope recipients."""
        raw = read_stream(stream, self.ctx.settings.intake_max_message)
        result = self.ingest(raw, Origin("stdin", envelope=tuple(envelope)))
        result.label = "-"
        return result

    def poll(self) -> PollReport:
        """Read the submissions mailbox once: every message ends recorded and moved."""
        with _POLL_LOCK, store.poll_lock(self.ctx.db, self._lock_file()) as got:
            if not got:
                log.info("another process is reading the mailbox; this poll does nothing")
                return PollReport(busy=True)
            return self._poll()

    def _lock_file(self) -> Path:
        return self.ctx.settings.data_dir / "intake-poll.lock"

    def _poll(self) -> PollReport:
        settings = self.ctx.settings
        report = PollReport()
        self.apply_pending_bounces()
        with Mailbox(settings) as box:
            box.ensure_folders()
            validity = box.uidvalidity()
            for entry in box.listing():
                origin = Origin("imap", settings.imap_folder, validity, entry.uid)
                with self.ctx.db.session() as session:
                    seen = store.by_mailbox_uid(session, settings.imap_folder, validity, entry.uid)
                    known = (seen.id, seen.outcome, seen.news_id) if seen else None
                if known is not None:
                    result = Result(known[0], known[1], None, known[2], duplicate=True)
                else:
                    too_large = entry.size > settings.intake_max_message
                    data = box.fetch(entry.uid, headers_only=too_large)
                    result = self.ingest(RawMessage(data, entry.size, too_large), origin)
                result.label = f"{settings.imap_folder}/{entry.uid}"
                report.results.append(result)
                target = QUARANTINE if result.outcome is InboundOutcome.quarantine else PROCESSED
                try:
                    box.move(entry.uid, target)
                except (ImapToolsError, OSError) as error:
                    log.warning("could not move message %s to %s: %s", entry.uid, target, error)
                    report.left += 1
        return report

    # --- one message -------------------------------------------------------------------
    def ingest(self, raw: RawMessage, origin: Origin) -> Result:
        """Decide, record, then apply what follows (bounces, acknowledgement)."""
        settings = self.ctx.settings
        lists = self._lists() if self._lists is not None else None
        posts = lists.intake() if lists is not None else None
        try:
            try:
                with self.ctx.db.session() as session:
                    result = process_message(
                        session,
                        settings,
                        raw,
                        origin,
                        match_bounce=match_delivery,
                        match_complaint=match_complaint,
                        posts=posts,
                    )
            except IntegrityError:
                # another poll recorded the same message at the same time: now a duplicate
                with self.ctx.db.session() as session:
                    result = process_message(
                        session,
                        settings,
                        raw,
                        origin,
                        match_bounce=match_delivery,
                        match_complaint=match_complaint,
                        posts=posts,
                    )
        except NewsletterError as error:
            result = self._quarantine(raw, origin, error.msg)
        except Exception as error:  # a bug must not lose the message: keep it aside
            log.exception("intake of a message failed")
            reason = Msg(
                N_("Internal error while reading the message: {error}"),
                {"error": type(error).__name__},
            )
            result = self._quarantine(raw, origin, reason)
        self._apply_bounces(result.record_id)
        if lists is not None and result.new_posts:
            lists.after_intake(result.new_posts)
        if result.acknowledgement is not None:
            self._acknowledge(result.record_id, *result.acknowledgement)
        return result

    def _quarantine(self, raw: RawMessage, origin: Origin, reason: Msg) -> Result:
        with self.ctx.db.session() as session:
            return record_failure(session, self.ctx.settings, raw, origin, reason)

    # --- after the transaction ----------------------------------------------------------
    def apply_pending_bounces(self) -> int:
        """Record the bounces that an interrupted run left unapplied; returns how many."""
        with self.ctx.db.session() as session:
            pending = [record.id for record in store.unapplied_bounces(session)]
        return sum(self._apply_bounces(record_id) for record_id in pending)

    def _apply_bounces(self, record_id: int) -> int:
        if self.delivery is None:
            return 0
        with self.ctx.db.session() as session:
            record = session.get(InboundMessage, record_id)
            if record is None or record.bounces_applied:
                return 0
            bounces = [dict(b) for b in record.bounces if b.get("counted")]
        settings = self.ctx.settings
        for bounce in bounces:
            if bounce.get("kind") == "complaint":
                try:
                    self._apply_complaint(int(bounce["delivery_id"]))
                except Exception:
                    log.exception("complaint about delivery %s not recorded", bounce["delivery_id"])
                    return 0
                continue
            reason = f"{bounce['status']} {bounce['diagnostic']}".strip()
            other = bounce.get("severity") == Severity.other.value
            try:
                self.delivery.mark_bounced(
                    int(bounce["delivery_id"]),
                    hard=bool(bounce["hard"]),
                    reason=reason,
                    limit=settings.bounce_other_limit if other else settings.bounce_limit,
                )
            except NewsletterError as error:  # e.g. the subscriber was deleted since
                log.warning("bounce of delivery %s not counted: %s", bounce["delivery_id"], error)
            except Exception:
                # the database went away: left unapplied, retried at the next poll
                log.exception("bounce of delivery %s not recorded", bounce["delivery_id"])
                return 0
        with self.ctx.db.session() as session:
            record = session.get(InboundMessage, record_id)
            if record is not None:
                record.bounces_applied = True
        return len(bounces)

    def _apply_complaint(self, delivery_id: int) -> bool:
        """A recipient reported the issue as spam: unsubscribe them from everything, with
        the source ``complaint`` (counted on the issue, ``report.feedback``). Someone who
        had already left stays as they were. Returns True when they were unsubscribed."""
        with self.ctx.db.session() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.subscriber_id is None:
                return False
            subscriber = session.get(Subscriber, delivery.subscriber_id)
            if subscriber is None:
                return False
            return subscriptions.unsubscribe(
                session, subscriber, list_id=None, reason=COMPLAINT, at=utcnow()
            )

    def _acknowledge(self, record_id: int, to: str, message: bytes) -> None:
        if self.notices is None:
            return
        try:  # the one path of single e-mails (DKIM-signed when configured), null sender
            self.notices.send_raw(message, to, envelope_sender="")
        except NewsletterError as error:
            log.warning("no acknowledgement sent to %s: %s", to, error)
            return
        except Exception:
            log.exception("acknowledgement to %s failed", to)
            return
        with self.ctx.db.session() as session:
            record = session.get(InboundMessage, record_id)
            if record is not None:
                record.acknowledged_at = utcnow()

    # --- reading the records ------------------------------------------------------------
    def messages(
        self, outcome: InboundOutcome | None = None, limit: int = 200, offset: int = 0
    ) -> list[InboundView]:
        with self.ctx.db.session() as session:
            rows = store.list_messages(session, outcome, limit, offset)
            return [InboundView.of(r) for r in rows]

    def count(self, outcome: InboundOutcome | None = None) -> int:
        """How many incoming messages are recorded (with this outcome)."""
        with self.ctx.db.session() as session:
            return store.count_messages(session, outcome)

    def quarantined(self, limit: int = 200) -> list[InboundView]:
        """Messages that could not become items, with the reason (the console's queue)."""
        return self.messages(InboundOutcome.quarantine, limit)

    def unmatched_bounces(self, limit: int = 50) -> list[InboundView]:
        """Bounces that proved no delivery of ours, newest first: they changed no one,
        the coordinator reads them (a forged report, or mail about an old message)."""
        with self.ctx.db.session() as session:
            rows = store.list_messages(session, InboundOutcome.bounce, limit * 10)
            return [InboundView.of(r) for r in rows if is_unmatched_bounce(r)][:limit]

    def bounce_verdicts(self, delivery_ids: Iterable[int]) -> dict[int, BounceVerdict]:
        """What the last bounce of each delivery said (for the delivery report): its
        severity ("hard", "soft", "other"), the reason as a message id, the status code
        and the server's text. Deliveries without a matched bounce are absent."""
        wanted = set(delivery_ids)
        found: dict[int, BounceVerdict] = {}
        if not wanted:
            return found
        with self.ctx.db.session() as session:
            for record in store.list_messages(session, InboundOutcome.bounce, limit=1_000_000):
                for bounce in record.bounces or []:
                    delivery_id = bounce.get("delivery_id")
                    if delivery_id in wanted and delivery_id not in found:  # newest first
                        found[int(delivery_id)] = BounceVerdict(
                            severity=str(
                                bounce.get("severity") or ("hard" if bounce.get("hard") else "soft")
                            ),
                            reason=Msg(str(bounce.get("reason") or ""))
                            if bounce.get("reason")
                            else None,
                            status=str(bounce.get("status") or ""),
                            diagnostic=str(bounce.get("diagnostic") or ""),
                            record_id=record.id,
                        )
        return found

    def raw_message(self, record_id: int) -> bytes:
        """The original message as received (cut at ``RAW_KEEP`` bytes)."""
        with self.ctx.db.session() as session:
            record = session.get(InboundMessage, record_id)
            if record is None:
                raise NotFoundError(N_("No incoming message {id}."), id=record_id)
            return bytes(record.raw or b"")

    def for_news(self, news_id: int) -> InboundView | None:
        """The incoming message a news item came from, if it came by e-mail."""
        with self.ctx.db.session() as session:
            record = store.by_news_id(session, news_id)
            return InboundView.of(record) if record is not None else None
