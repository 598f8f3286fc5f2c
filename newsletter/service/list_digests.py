"""Digests of the mailing lists: each member's choice, and the scheduler's sending.

``choose`` is the one way to set a member's digest mode for a list (preferences page,
command line); ``send_due`` is what the scheduler runs (``schedule.DIGEST_MINUTES``):
the digests of every member whose period has ended, composed once per list, period and
language (``mailinglist.digest``), each with the member's own footer and
``List-Unsubscribe``, DKIM-signed when DKIM is configured, sent through the one path of
single e-mails (``notices.send_raw``). The record of what was sent is the member's
``digested_until`` (see ``mailinglist.digest`` for the compare-and-set that makes a
digest go out at most once per period).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.policy import SMTP
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from newsletter import links
from newsletter.audience.segments import Recipient, Segment, iter_recipients
from newsletter.context import Context
from newsletter.errors import DeliveryError, NewsletterError, NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.mailinglist import digest
from newsletter.mailinglist.archive import kept_content, remember
from newsletter.mailinglist.routing import list_id_value
from newsletter.models import DigestMode, PostStatus
from newsletter.service.audience import AudienceService
from newsletter.service.notices import NoticesService
from newsletter.store.base import UTCDateTime, utcnow
from newsletter.store.mailinglist import DigestPreference, ListPost

log = logging.getLogger(__name__)
ARCHIVED = (PostStatus.approved, PostStatus.relaying, PostStatus.relayed)


@dataclass
class DigestReport:
    """What one run did: digests sent, members with nothing new, sends that failed."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    empty: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"sent": len(self.sent), "empty": self.empty, "failed": len(self.failed)}


def post_time() -> Any:
    """When a post counts for digests: its approval (or, approved on arrival, its
    receipt); it does not change once the post went out."""
    return func.coalesce(ListPost.decided_at, ListPost.received_at, type_=UTCDateTime())


class ListDigestsService:
    def __init__(self, ctx: Context, audience: AudienceService, notices: NoticesService) -> None:
        self.ctx = ctx
        self.audience = audience
        self.notices = notices

    def _posting_lists(self) -> dict[str, Segment]:
        segments, _errors = self.audience.segments()
        return {k: s for k, s in segments.items() if s.posting is not None}

    # --- the member's choice ----------------------------------------------------------
    def mode(self, subscriber_id: int, list_id: str) -> DigestMode:
        with self.ctx.db.session() as session:
            row = _preference(session, subscriber_id, list_id)
            return row.mode if row is not None else DigestMode.none

    def modes(self, subscriber_id: int) -> dict[str, DigestMode]:
        """The member's mode for each list that takes posts."""
        with self.ctx.db.session() as session:
            rows = session.scalars(
                select(DigestPreference).where(DigestPreference.subscriber_id == subscriber_id)
            )
            chosen = {row.list_id: row.mode for row in rows}
        return {list_id: chosen.get(list_id, DigestMode.none) for list_id in self._posting_lists()}

    def choose(
        self, subscriber_id: int, list_id: str, mode: str, *, now: datetime | None = None
    ) -> DigestMode:
        """Set how the member gets the list's posts. Turning a digest on starts it now:
        the posts they already received one by one are not in their first digest."""
        try:
            wanted = DigestMode(mode)
        except ValueError:
            raise ValidationError(N_("Unknown digest choice “{mode}”."), mode=mode) from None
        if list_id not in self._posting_lists():
            raise NotFoundError(N_("The list {list} takes no posts."), list=list_id)
        self.audience.get_subscriber(subscriber_id)  # NotFoundError for an unknown one
        now = now or utcnow()
        with self.ctx.db.session() as session:
            row = _preference(session, subscriber_id, list_id)
            if row is None:
                row = DigestPreference(list_id=list_id, subscriber_id=subscriber_id,
                                       mode=DigestMode.none)  # fmt: skip
                session.add(row)
            if row.mode is DigestMode.none and wanted is not DigestMode.none:
                row.digested_until = now
            row.mode = wanted
        return wanted

    # --- sending ----------------------------------------------------------------------
    def send_due(self, now: datetime | None = None) -> DigestReport:
        """Send every digest whose period has ended (the scheduler's job)."""
        now = now or utcnow()
        report = DigestReport()
        for list_id, segment in sorted(self._posting_lists().items()):
            try:
                self._send_list(segment, now, report)
            except NewsletterError as error:  # one list's trouble stops not the others
                log.warning("digests of %s: %s", list_id, error)
        return report

    def _send_list(self, segment: Segment, now: datetime, report: DigestReport) -> None:
        zone = ZoneInfo(self.ctx.settings.timezone)
        with self.ctx.db.session() as session:
            prefs = list(
                session.scalars(
                    select(DigestPreference).where(
                        DigestPreference.list_id == segment.id,
                        DigestPreference.mode != DigestMode.none,
                    )
                )
            )
            if not prefs:
                return
            stream = iter_recipients(session, {segment.id: segment}, [segment.id])
            members = {r.subscriber_id: r for r in stream}
            due = []
            for pref in prefs:
                reader = members.get(pref.subscriber_id)
                span = digest.window(pref.mode, pref.digested_until, now, zone,
                                     self.ctx.settings.list_digest_hour)  # fmt: skip
                if reader is not None and span is not None:
                    due.append((pref.id, pref.mode, pref.digested_until, span, reader))
        composed: dict[tuple[datetime, datetime, str, DigestMode], digest.Digest | None] = {}
        for pref_id, mode, previous, (start, end), reader in due:
            if not self._claim(pref_id, previous, end):
                continue  # another run took this period
            key = (start, end, reader.language, mode)
            if key not in composed:
                composed[key] = self._compose(segment, mode, start, end, reader.language, zone)
            found = composed[key]
            if found is None:
                report.empty += 1
                continue
            try:
                self._send_one(segment, found, reader, now)
            except NewsletterError as error:
                self._release(pref_id, previous, end)
                report.failed.append((segment.id, reader.email))
                log.warning("digest of %s to %s not sent: %s", segment.id, reader.email, error)
            else:
                report.sent.append((segment.id, reader.email))

    def _claim(self, pref_id: int, previous: datetime | None, end: datetime) -> bool:
        """Move the member's ``digested_until`` from ``previous`` to ``end``, unless
        someone else did: the compare-and-set that sends a period once."""
        same = (
            DigestPreference.digested_until.is_(None)
            if previous is None
            else DigestPreference.digested_until == previous
        )
        with self.ctx.db.session() as session:
            result = session.execute(
                update(DigestPreference)
                .where(DigestPreference.id == pref_id, same)
                .values(digested_until=end)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def _release(self, pref_id: int, previous: datetime | None, end: datetime) -> None:
        with self.ctx.db.session() as session:
            session.execute(
                update(DigestPreference)
                .where(DigestPreference.id == pref_id, DigestPreference.digested_until == end)
                .values(digested_until=previous)
                .execution_options(synchronize_session=False)
            )

    def _compose(
        self,
        segment: Segment,
        mode: DigestMode,
        start: datetime,
        end: datetime,
        language: str,
        zone: ZoneInfo,
    ) -> digest.Digest | None:
        posting = segment.posting
        assert posting is not None
        settings = self.ctx.settings
        base = settings.base_url.rstrip("/")
        archive = f"{base}/lists/{segment.id}/archive"
        with self.ctx.db.session() as session:
            posts = _posts(session, segment.id, start, end)
        if not posts:
            return None
        title = segment.title_in(language)
        return digest.compose(
            list_title=title, tag=posting.tag_for(segment.title_in("fr")), mode=mode,
            start=start, end=end, posts=posts_of(posts, archive, self.ctx), archive_url=archive,
            language=language, zone=zone,
        )  # fmt: skip

    def _send_one(
        self, segment: Segment, found: digest.Digest, reader: Recipient, now: datetime
    ) -> None:
        posting = segment.posting
        assert posting is not None
        settings = self.ctx.settings
        base = settings.base_url.rstrip("/")
        title = segment.title_in(found.language)
        domain = posting.address.rpartition("@")[2]
        message = digest.digest_message(
            found,
            digest.Reader(
                email=reader.email, name=reader.name,
                unsubscribe_url=links.list_unsubscribe_url(settings, reader.subscriber_id,
                                                           segment.id),
                preferences_url=links.preferences_url(settings, reader.subscriber_id),
            ),
            list_title=title, list_address=posting.address,
            list_id_header=list_id_value(segment),
            archive_url=f"{base}/lists/{segment.id}/archive", message_domain=domain, now=now,
        )  # fmt: skip
        try:
            self.notices.send_raw(message.as_bytes(policy=SMTP), reader.email)
        except DeliveryError:
            raise
        except OSError as error:
            raise DeliveryError(N_("The e-mail to {to} could not be sent."),
                                to=reader.email) from error  # fmt: skip


@dataclass(frozen=True)
class _Row:
    id: int
    subject: str
    name: str
    at: datetime
    sha256: str


def _preference(session: Session, subscriber_id: int, list_id: str) -> DigestPreference | None:
    return session.scalar(
        select(DigestPreference).where(
            DigestPreference.subscriber_id == subscriber_id, DigestPreference.list_id == list_id
        )
    )


def _posts(session: Session, list_id: str, start: datetime, end: datetime) -> list[_Row]:
    at = post_time()
    rows = session.execute(
        select(ListPost.id, ListPost.subject, ListPost.sender_name, ListPost.sender, at,
               ListPost.sha256)
        .where(ListPost.list_id == list_id, ListPost.status.in_(ARCHIVED), at >= start, at < end)
        .order_by(at, ListPost.id)
    ).all()  # fmt: skip
    return [
        _Row(row[0], row[1], row[2] or row[3].partition("@")[0], row[4], row[5]) for row in rows
    ]


def posts_of(rows: Sequence[_Row], archive: str, ctx: Context) -> list[digest.DigestPost]:
    out = []
    with ctx.db.session() as session:
        for row in rows:
            content = kept_content(row.id, row.sha256)
            if content is None:
                raw = session.scalar(select(ListPost.raw).where(ListPost.id == row.id))
                content = remember(row.id, row.sha256, raw or b"")
            out.append(digest.DigestPost(row.subject, row.name, row.at, content.text,
                                         f"{archive}/{row.id}"))  # fmt: skip
    return out
