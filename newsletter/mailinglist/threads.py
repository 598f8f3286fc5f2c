"""Threads of a list's posts from ``Message-ID``, ``In-Reply-To`` and ``References``.

A simplified form of Jamie Zawinski's algorithm (the one of Netscape, Mutt and the RFC
5256 ``REFERENCES`` sort), on plain data:

1. every Message-ID seen (a post's own, or one it refers to) gets a node; a node of an
   id no post of the list carries stays empty (a message not in the archive);
2. the references of each post (``References`` then ``In-Reply-To``) link each id to
   the next, and the post hangs under the last one; a link that would make a loop, or
   re-parent a node already placed by an earlier chain, is not made;
3. empty nodes give their children to their own parent; at the top, an empty node with
   several replies stays, holding them together;
4. mail clients that drop the headers: a root whose subject is a reply ("Re:", "Antw:",
   "AW:"…) with the list tag and the prefixes taken off goes under the earliest earlier
   root of the same subject;
5. replies are sorted by date, threads newest activity first.

Everything comes from outside: ids are taken only in angle brackets, at most
``MAX_REFERENCES`` of them per post (the last ones), and a post without a usable
Message-ID (or with one another post already has) gets one of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")

#: references kept per post (the last ones: the closest ancestors)
MAX_REFERENCES = 50
_ID = re.compile(r"<[^<>\s]{1,490}>")
#: reply prefixes of the mail clients our members use (French, Dutch, English, German…)
_REPLY = re.compile(
    r"^\s*(?:re|ré|réf|ref|rép|antw|antwoord|aw|sv|vs|wg)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
_FORWARD = re.compile(r"^\s*(?:fwd?|tr|fw|doorst)\s*:\s*", re.IGNORECASE)
_TAG = re.compile(r"^\s*\[[^\]]{1,80}\]\s*")


@dataclass(frozen=True)
class PostRef(Generic[K]):
    """What threading needs of one post; ``key`` is the caller's (a post id)."""

    key: K
    message_id: str
    in_reply_to: str
    references: str
    subject: str
    date: datetime


@dataclass
class Node(Generic[K]):
    """A place in a thread: a post, or the empty place of a message not in the list."""

    id: str
    post: PostRef[K] | None = None
    parent: Node[K] | None = None
    children: list[Node[K]] = field(default_factory=list)

    def is_ancestor_of(self, other: Node[K]) -> bool:
        seen: Node[K] | None = other
        while seen is not None:
            if seen is self:
                return True
            seen = seen.parent
        return False

    def _attach(self, child: Node[K]) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)

    def posts(self) -> Iterator[PostRef[K]]:
        """The posts under this node, itself first (depth first, no recursion: a
        hostile chain of replies may be thousands deep)."""
        stack: list[Node[K]] = [self]
        while stack:
            node = stack.pop()
            if node.post is not None:
                yield node.post
            stack.extend(reversed(node.children))

    @property
    def first_date(self) -> datetime:
        return min(post.date for post in self.posts())


@dataclass(frozen=True)
class Line(Generic[K]):
    """One post of a thread as shown: how deep it sits and the post."""

    depth: int
    post: PostRef[K]


@dataclass(frozen=True)
class Thread(Generic[K]):
    root: Node[K]
    #: number of posts in it
    count: int
    #: the date of its first post and of its latest one
    started: datetime
    last: datetime

    @property
    def subject(self) -> str:
        return self.first.subject

    @property
    def first(self) -> PostRef[K]:
        return self.lines()[0].post

    def lines(self, max_depth: int = 8) -> list[Line[K]]:
        """The posts in reading order (each reply after its parent, by date), with their
        depth (capped at ``max_depth``, beyond which replies are shown at that depth)."""
        out: list[Line[K]] = []
        stack: list[tuple[Node[K], int]] = [(self.root, 0)]
        while stack:
            node, depth = stack.pop()
            if node.post is not None:
                out.append(Line(min(depth, max_depth), node.post))
                depth += 1
            stack.extend((child, depth) for child in reversed(node.children))
        return out

    def post_keys(self) -> list[K]:
        return [line.post.key for line in self.lines()]


def message_ids(text: str) -> list[str]:
    """The ``<…>`` ids of a header value, in order."""
    return _ID.findall(text or "")


def base_subject(subject: str) -> str:
    """The subject compared for threading: without list tags, reply and forward
    prefixes (repeated, in any order), white space folded, case-folded."""
    text = " ".join((subject or "").split())
    while True:
        stripped = _TAG.sub("", text, count=1)
        stripped = _REPLY.sub("", stripped, count=1)
        stripped = _FORWARD.sub("", stripped, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip().casefold()


def is_reply_subject(subject: str) -> bool:
    text = " ".join((subject or "").split())
    while True:
        stripped = _TAG.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return bool(_REPLY.match(text))


def build_threads(posts: Iterable[PostRef[K]]) -> list[Thread[K]]:
    """The threads of ``posts``, the one with the newest post first."""
    ordered = sorted(posts, key=lambda p: p.date)
    table: dict[str, Node[K]] = {}

    def node_of(message_id: str) -> Node[K]:
        found = table.get(message_id)
        if found is None:
            found = table[message_id] = Node(message_id)
        return found

    own: list[Node[K]] = []
    for index, post in enumerate(ordered):
        ids = message_ids(post.message_id)
        wanted = ids[0] if ids else ""
        if not wanted or (wanted in table and table[wanted].post is not None):
            wanted = f"<post-{index}@no-message-id>"  # a place of its own
        node = node_of(wanted)
        node.post = post
        own.append(node)
        chain = message_ids(post.references)
        reply_to = message_ids(post.in_reply_to)
        if reply_to and (not chain or chain[-1] != reply_to[0]):
            chain.append(reply_to[0])
        chain = [ref for ref in chain if ref != wanted][-MAX_REFERENCES:]
        parent: Node[K] | None = None
        for ref in chain:
            current = node_of(ref)
            if parent is not None and current.parent is None and not current.is_ancestor_of(parent):
                parent._attach(current)
            parent = current
        if parent is not None and not node.is_ancestor_of(parent):
            parent._attach(node)

    roots = [node for node in table.values() if node.parent is None]
    roots = _prune(roots)
    roots = _join_by_subject(roots)
    threads = []
    for root in roots:
        _sort(root)
        dates = [post.date for post in root.posts()]
        threads.append(Thread(root, len(dates), min(dates), max(dates)))
    threads.sort(key=lambda t: (t.last, t.started), reverse=True)
    return threads


def _prune(roots: list[Node[K]]) -> list[Node[K]]:
    """Empty nodes hand their children up to their parent; those without children go."""
    out: list[Node[K]] = []
    # children before parents (an explicit post-order walk)
    order: list[Node[K]] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    for node in reversed(order):
        kept: list[Node[K]] = []
        for child in node.children:
            if child.post is None:
                kept.extend(child.children)
            else:
                kept.append(child)
        node.children = kept
        for child in kept:
            child.parent = node
    for root in roots:
        # an empty root keeps its replies together when there are several (JWZ)
        lifted = root.post is None and len(root.children) < 2
        for kept_root in root.children if lifted else [root]:
            kept_root.parent = None
            out.append(kept_root)
    return out


def _join_by_subject(roots: list[Node[K]]) -> list[Node[K]]:
    """A root whose subject is a reply goes under the earliest earlier root of the same
    base subject (its client dropped In-Reply-To and References)."""
    roots.sort(key=lambda node: node.first_date)  # each root's own posts, once
    first_of: dict[str, Node[K]] = {}
    out: list[Node[K]] = []
    for root in roots:
        post = root.post or min(root.posts(), key=lambda p: p.date)
        subject = base_subject(post.subject)
        earlier = first_of.get(subject) if subject else None
        if earlier is not None and is_reply_subject(post.subject):
            earlier._attach(root)
            continue
        if subject:
            first_of.setdefault(subject, root)
        out.append(root)
    return out


def _sort(root: Node[K]) -> None:
    """Replies by date, at every level."""
    first: dict[int, datetime] = {}
    order: list[Node[K]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    for node in reversed(order):  # children first: each node's earliest date once
        dates = [first[id(child)] for child in node.children]
        if node.post is not None:
            dates.append(node.post.date)
        first[id(node)] = min(dates)
        node.children.sort(key=lambda child: first[id(child)])


def thread_of(threads: list[Thread[K]], key: K) -> Thread[K] | None:
    """The thread holding the post ``key``."""
    for thread in threads:
        if any(post.key == key for post in thread.root.posts()):
            return thread
    return None
