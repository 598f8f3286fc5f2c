"""The delivery report of an issue as a coordinator reads it.

Counts are aggregated in SQL; only the rows that failed (a few, usually) are read to
derive their reason (``report.reasons``), so a page of the report costs the same for a
send to 200 or to 20,000 people. Reasons are keys translated when shown; the raw
server reply goes along with each row.

What the issue caused is counted on it too: the people who unsubscribed (or left one
of its lists) after it was the last issue they received, the complaints among them
(an unsubscribe recorded with the source ``complaint``) and the addresses it made
``bounced``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from newsletter.context import Context
from newsletter.delivery import notes, outbox
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg, gettext
from newsletter.models import DeliveryStatus as D
from newsletter.report.clicks import LinkCount, link_counts
from newsletter.report.feedback import COMPLAINT as COMPLAINT
from newsletter.report.feedback import Feedback, feedback
from newsletter.report.reasons import FAILING, MESSAGES, Reason, reason_of
from newsletter.store.delivery import Delivery
from newsletter.store.editorial import Issue

PER_PAGE = 50
#: the status filter that shows every delivery that went wrong
PROBLEMS = "problems"
PROBLEM_STATUSES = (D.failed_permanent, D.bounced, D.failed_temporary)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One recipient of the send."""

    id: int
    email: str
    status: D
    reason: Reason | None
    #: the receiving server's reply, as received
    smtp_reply: str
    attempts: int
    last_attempt: datetime | None
    #: what the sender added (gave up after N attempts, no reply…), translated when shown
    note: Msg | None = None

    def reason_text(self, lang: str = DEFAULT_LANGUAGE) -> str | None:
        return gettext(lang, MESSAGES[self.reason]) if self.reason else None

    def note_text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.note.render(lang) if self.note else ""

    def reply_text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The sender's note and the server's reply, as one line."""
        return notes.reply_text(self.note, self.smtp_reply, lang)

    def document(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The ``issue report --json`` entry."""
        return {
            "email": self.email,
            "status": self.status.value,
            "reason": self.reason_text(lang),
            "reason_code": self.reason.value if self.reason else None,
            "smtp_reply": self.reply_text(lang),
            "attempts": self.attempts,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
        }


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: Reason
    count: int

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return gettext(lang, MESSAGES[self.reason])


@dataclass(frozen=True)
class SendPage:
    """One page of the recipients of a send (an issue's, or a list post's relay), with
    the counts of the whole send."""

    total: int
    counts: dict[D, int]
    reasons: list[ReasonCount]
    rows: list[ReportRow]
    #: the filters this page was asked with ("" = none)
    status: str
    reason: str
    matching: int
    page: int
    pages: int

    @property
    def problems(self) -> int:
        return sum(self.counts[s] for s in PROBLEM_STATUSES)

    @property
    def pending(self) -> int:
        """Still to go: queued, being sent or waiting for a retry."""
        return self.counts[D.queued] + self.counts[D.sending] + self.counts[D.failed_temporary]


@dataclass(frozen=True, kw_only=True)
class IssueReport(SendPage):
    """One page of the delivery report of an issue: its send's page (``SendPage``), the
    issue it belongs to, the readers' feedback and the followed links."""

    issue_id: int
    title: str
    number: int
    issue_status: str
    feedback: Feedback
    #: how many times each link was followed (CLICK_COUNTING), most followed first
    clicks: list[LinkCount] = field(default_factory=list)


def _status_filter(value: str) -> tuple[D, ...] | None:
    if not value:
        return None
    if value == PROBLEMS:
        return PROBLEM_STATUSES
    try:
        return (D(value),)
    except ValueError:
        raise ValidationError(N_("Unknown delivery status '{status}'."), status=value) from None


def _reason_filter(value: str) -> Reason | None:
    if not value:
        return None
    try:
        return Reason(value)
    except ValueError:
        raise ValidationError(N_("Unknown reason '{reason}'."), reason=value) from None


def _row(d: Delivery) -> ReportRow:
    return ReportRow(
        id=d.id,
        email=d.email,
        status=d.status,
        reason=reason_of(d.status, d.last_reply, d.reply_note),
        smtp_reply=d.last_reply,
        attempts=d.attempts,
        last_attempt=d.claimed_at if d.attempts else None,
        note=d.note,
    )


def send_page(
    session: Session,
    send_id: int | None,
    *,
    status: str = "",
    reason: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SendPage:
    """One page of the recipients of ``send_id`` (None: not started, nobody yet);
    ``status`` is a delivery status or ``problems``, ``reason`` a ``Reason`` key (only
    failed rows have one)."""
    statuses = _status_filter(status)
    wanted_reason = _reason_filter(reason)
    page = max(1, page)
    counts = outbox.counts(session, send_id) if send_id else {s: 0 for s in D}
    groups = _failing_groups(session, send_id) if send_id else []
    tally: Counter[Reason] = Counter()
    for group in groups:
        if group.reason is not None:
            tally[group.reason] += group.count
    query = select(Delivery).where(Delivery.send_id == (send_id or -1))
    if statuses:
        query = query.where(Delivery.status.in_(statuses))
    if wanted_reason is not None:
        chosen = [
            g
            for g in groups
            if g.reason is wanted_reason and (statuses is None or g.status in statuses)
        ]
        matching = sum(g.count for g in chosen)
        triples = [(g.status.value, g.reply, g.note) for g in chosen]
        query = query.where(
            tuple_(Delivery.status, Delivery.last_reply, Delivery.reply_note).in_(triples)
        )
    else:
        matching = sum(counts[s] for s in statuses) if statuses else sum(counts.values())
    pages = max(1, -(-matching // per_page))
    page = min(page, pages)
    found = session.scalars(
        query.order_by(Delivery.id).offset((page - 1) * per_page).limit(per_page)
    )
    return SendPage(
        total=sum(counts.values()),
        counts=counts,
        reasons=[ReasonCount(r, n) for r, n in tally.most_common()],
        rows=[_row(d) for d in found] if matching else [],
        status=status,
        reason=reason,
        matching=matching,
        page=page,
        pages=pages,
    )


def send_rows(session: Session, send_id: int, status: str = "") -> Iterator[ReportRow]:
    """Every recipient of ``send_id``, in the order they were queued."""
    statuses = _status_filter(status)
    query = select(Delivery).where(Delivery.send_id == send_id).order_by(Delivery.id)
    if statuses:
        query = query.where(Delivery.status.in_(statuses))
    for d in session.scalars(query.execution_options(yield_per=2000)):
        yield _row(d)


class IssueReports:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def issue_report(
        self,
        issue_id: int,
        *,
        status: str = "",
        reason: str = "",
        page: int = 1,
        per_page: int = PER_PAGE,
    ) -> IssueReport:
        """One page of the report of ``issue_id`` (``send_page``)."""
        with self.ctx.db.session() as session:
            issue = session.get(Issue, issue_id)
            if issue is None:
                raise NotFoundError(N_("No issue {issue}."), issue=issue_id)
            send = outbox.get_send(session, issue_id)
            found = send_page(session, send.id if send else None, status=status,
                              reason=reason, page=page, per_page=per_page)  # fmt: skip
            return IssueReport(
                **{f.name: getattr(found, f.name) for f in fields(SendPage)},
                issue_id=issue.id,
                title=issue.title,
                number=issue.number,
                issue_status=issue.status.value,
                feedback=feedback(session, issue_id),
                clicks=link_counts(session, issue_id),
            )

    def report_rows(self, issue_id: int, status: str = "") -> Iterator[ReportRow]:
        """Every recipient of the send (``issue report``), in the order they were queued."""
        statuses = _status_filter(status)
        with self.ctx.db.session() as session:
            if session.get(Issue, issue_id) is None:
                raise NotFoundError(N_("No issue {issue}."), issue=issue_id)
            query = select(Delivery).where(Delivery.issue_id == issue_id).order_by(Delivery.id)
            if statuses:
                query = query.where(Delivery.status.in_(statuses))
            for d in session.scalars(query.execution_options(yield_per=2000)):
                yield _row(d)

    def feedback(self, issue_id: int) -> Feedback:
        with self.ctx.db.session() as session:
            return feedback(session, issue_id)


@dataclass(frozen=True, slots=True)
class _Group:
    status: D
    reply: str
    note: str
    count: int
    reason: Reason | None


def _failing_groups(session: Session, send_id: int) -> list[_Group]:
    """The failed rows of a send grouped by (status, reply, note) in SQL: a relay that
    refuses everyone gives one group, not 20,000 rows; each distinct reply is judged once."""
    found = session.execute(
        select(Delivery.status, Delivery.last_reply, Delivery.reply_note, func.count())
        .where(Delivery.send_id == send_id, Delivery.status.in_(FAILING))
        .group_by(Delivery.status, Delivery.last_reply, Delivery.reply_note)
    ).all()
    return [
        _Group(D(st), reply, note, int(n), reason_of(st, reply, note))
        for st, reply, note, n in found
    ]
