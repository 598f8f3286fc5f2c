"""The archive of a mailing list: its relayed posts in threads, one post, a search.

Members only: a coordinator (logged into the console) reads every list's archive; a
reader reads a list's archive when the subscriber their personal links made them known
as in this browser (``request.session["reader"]``, set by the preferences and RSVP
pages, as for members-only issues) is active, belongs to the list by their profile and
has not left it. Anyone else is told how to get in, and sees no post.

The posts shown are those that went out (``approved``, being relayed, and
``relayed``); held, rejected and dropped posts never appear. Their content comes from
the raw message kept whole (``mailinglist.archive``), read once and kept in memory.
A search compares the words with the subject, the poster's name and the text of each
post of the list, in Python: a working group's list holds hundreds of posts, not
millions (``bench/list_archive.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.segments import Segment
from newsletter.context import Context
from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.mailinglist.archive import PostContent, kept_content, matches, remember, snippet
from newsletter.mailinglist.threads import PostRef, Thread, build_threads
from newsletter.models import PostStatus, SubscriberStatus
from newsletter.service.audience import AudienceService
from newsletter.store.mailinglist import ListPost

#: statuses of the posts that went out to the list
ARCHIVED = (PostStatus.approved, PostStatus.relaying, PostStatus.paused, PostStatus.relayed)
THREADS_PER_PAGE = 50
MAX_FOUND = 200
_BATCH = 200


@dataclass(frozen=True)
class ArchivedPost:
    id: int
    list_id: str
    subject: str
    sender_name: str
    sender: str
    date: datetime
    message_id: str
    in_reply_to: str
    references: str
    sha256: str

    @property
    def shown_name(self) -> str:
        """The poster's name, or the part of the address before the @."""
        return self.sender_name or self.sender.partition("@")[0]

    def ref(self) -> PostRef[int]:
        return PostRef(self.id, self.message_id, self.in_reply_to, self.references,
                       self.subject, self.date)  # fmt: skip


@dataclass(frozen=True)
class Found:
    post: ArchivedPost
    snippet: str


@dataclass(frozen=True)
class ArchivePage:
    """One page of a list's threads (or of what a search found)."""

    segment: Segment
    threads: list[Thread[int]]
    posts: dict[int, ArchivedPost]
    total: int
    page: int
    pages: int
    text: str = ""
    found: list[Found] | None = None


@dataclass(frozen=True)
class PostPage:
    segment: Segment
    post: ArchivedPost
    content: PostContent
    thread: Thread[int]
    posts: dict[int, ArchivedPost]


class ListArchiveService:
    def __init__(self, ctx: Context, audience: AudienceService) -> None:
        self.ctx = ctx
        self.audience = audience

    def list(self, list_id: str) -> Segment:
        """A list that takes posts, or NotFoundError."""
        segments, _errors = self.audience.segments()
        segment = segments.get(list_id)
        if segment is None or segment.posting is None:
            raise NotFoundError(N_("This list has no archive."))
        return segment

    def may_read(self, list_id: str, *, reader: int | None, coordinator: bool) -> bool:
        """Whether the archive of ``list_id`` is open to this visitor (see the doc)."""
        self.list(list_id)
        if coordinator:
            return True
        if reader is None:
            return False
        try:
            subscriber = self.audience.get_subscriber(reader)
        except NotFoundError:
            return False
        if subscriber.status != SubscriberStatus.active.value:
            return False
        if list_id in subscriber.lists_left:
            return False
        return list_id in self.audience.lists_of(reader)

    def page(self, list_id: str, *, text: str = "", page: int = 1) -> ArchivePage:
        """The threads of the list, newest activity first, one page; with ``text``, the
        posts that match it instead (newest first, at most ``MAX_FOUND``)."""
        segment = self.list(list_id)
        with self.ctx.db.session() as session:
            posts = _archived(session, list_id)
            found: list[Found] | None = None
            if text.strip():
                contents = _contents(session, posts)
                found = [
                    Found(post, snippet(contents[post.id].text, text))
                    for post in sorted(posts, key=lambda p: p.date, reverse=True)
                    if matches(text, post.subject, post.shown_name, folded=contents[post.id].folded)
                ][:MAX_FOUND]
        by_id = {post.id: post for post in posts}
        threads = build_threads(post.ref() for post in posts)
        pages = max(1, -(-len(threads) // THREADS_PER_PAGE))
        page = max(1, min(page, pages))
        start = (page - 1) * THREADS_PER_PAGE
        shown = threads[start : start + THREADS_PER_PAGE]
        return ArchivePage(segment, shown, by_id, len(threads), page, pages, text.strip(), found)

    def post(self, list_id: str, post_id: int) -> PostPage:
        """One archived post of the list, with its thread."""
        segment = self.list(list_id)
        with self.ctx.db.session() as session:
            posts = _archived(session, list_id)
            post = next((p for p in posts if p.id == post_id), None)
            if post is None:
                raise NotFoundError(N_("This message is not in the list's archive."))
            content = _contents(session, [post])[post.id]
        threads = build_threads(p.ref() for p in posts)
        thread = next(t for t in threads if post_id in t.post_keys())
        return PostPage(segment, post, content, thread, {p.id: p for p in posts})


def _archived(session: Session, list_id: str) -> list[ArchivedPost]:
    rows = session.execute(
        select(
            ListPost.id, ListPost.subject, ListPost.sender_name, ListPost.sender,
            ListPost.received_at, ListPost.message_id, ListPost.in_reply_to,
            ListPost.references, ListPost.sha256,
        ).where(ListPost.list_id == list_id, ListPost.status.in_(ARCHIVED))
    ).all()  # fmt: skip
    return [
        ArchivedPost(
            row.id,
            list_id,
            row.subject,
            row.sender_name,
            row.sender,
            row.received_at,
            row.message_id,
            row.in_reply_to,
            row.references,
            row.sha256,
        )
        for row in rows
    ]


def _contents(session: Session, posts: Iterable[ArchivedPost]) -> dict[int, PostContent]:
    """The content of each post; the raw bytes of those not yet read are fetched in
    batches, and never kept."""
    wanted = list(posts)
    out: dict[int, PostContent] = {}
    missing: list[ArchivedPost] = []
    for post in wanted:
        content = kept_content(post.id, post.sha256)
        if content is None:
            missing.append(post)
        else:
            out[post.id] = content
    for start in range(0, len(missing), _BATCH):
        batch = {post.id: post for post in missing[start : start + _BATCH]}
        for post_id, raw in session.execute(
            select(ListPost.id, ListPost.raw).where(ListPost.id.in_(list(batch)))
        ):
            post = batch[post_id]
            out[post_id] = remember(post.id, post.sha256, raw or b"")
    for post in wanted:
        out.setdefault(post.id, PostContent(""))
    return out
