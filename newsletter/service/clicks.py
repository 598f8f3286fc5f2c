"""Service of the click counts (``CLICK_COUNTING``): follow a counted link, read the counts.

``follow`` is the one door of the redirect (``/r/…``): it checks the link's signature
(an altered or made-up link is refused, so the redirect never leads anywhere we did not
write), adds one to the link's total and gives the address to go to. Nothing about the
reader is stored unless individual tracking is on (``CLICK_TRACKING_INDIVIDUAL``) and the
link carries the reader's part; a request for the link's HEAD or a link followed after
counting was turned off only leads on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.links import CLICK_SEPARATOR
from newsletter.report.clicks import LinkCount, link_counts
from newsletter.store.audience import Subscriber
from newsletter.store.base import utcnow
from newsletter.store.clicks import LinkClickPerson, LinkClicks
from newsletter.store.editorial import Issue
from newsletter.tokens import CLICK, CLICK_PERSON, verify

INVALID = N_("This link is not valid: it was altered or it is not one of ours. It leads nowhere.")
_URL = re.compile(r"^https?://[\x21-\x7e]+$", re.I)


@dataclass(frozen=True)
class Followed:
    issue_id: int
    url: str


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


class ClicksService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def link(self, token: str) -> Followed:
        """The issue and address a counted link stands for; ValidationError (``INVALID``)
        when it is forged, altered or leads to something that is not a web address."""
        link, _sep, _person = token.partition(CLICK_SEPARATOR)
        try:
            payload: Any = verify(self.ctx.settings, CLICK, link)
        except ValidationError as error:
            raise ValidationError(INVALID) from error
        issue_id = payload.get("i") if isinstance(payload, dict) else None
        url = payload.get("u") if isinstance(payload, dict) else None
        if type(issue_id) is not int or not isinstance(url, str) or not _URL.match(url):
            raise ValidationError(INVALID)
        return Followed(issue_id, url)

    def follow(self, token: str, *, count: bool = True) -> str:
        """Count one click of a counted link and give the address it leads to."""
        followed = self.link(token)
        settings = self.ctx.settings
        if count and settings.click_counting:
            _link, sep, person = token.partition(CLICK_SEPARATOR)
            subscriber_id = (
                self._person(followed.issue_id, person)
                if sep and settings.click_tracking_individual
                else None
            )
            self._count(followed, subscriber_id)
        return followed.url

    def _person(self, issue_id: int, token: str) -> int | None:
        """The reader of a link's reader part, when it is valid and for this issue."""
        try:
            payload: Any = verify(self.ctx.settings, CLICK_PERSON, token)
        except ValidationError:
            return None  # the link still counts, for nobody
        if not isinstance(payload, dict) or payload.get("i") != issue_id:
            return None
        subscriber_id = payload.get("s")
        return subscriber_id if type(subscriber_id) is int else None

    def _count(self, followed: Followed, subscriber_id: int | None) -> None:
        key = url_key(followed.url)
        for _attempt in range(3):
            try:
                with self.ctx.db.session() as session:
                    if session.get(Issue, followed.issue_id) is None:
                        return  # the issue was deleted: the link only leads on
                    now = utcnow()
                    done = session.execute(
                        update(LinkClicks)
                        .where(LinkClicks.issue_id == followed.issue_id, LinkClicks.url_key == key)
                        .values(count=LinkClicks.count + 1, last_at=now)
                    )
                    if not getattr(done, "rowcount", 0):
                        session.add(
                            LinkClicks(
                                issue_id=followed.issue_id,
                                url_key=key,
                                url=followed.url,
                                count=1,
                                first_at=now,
                                last_at=now,
                            )
                        )
                    known = (
                        session.get(Subscriber, subscriber_id)
                        if subscriber_id is not None
                        else None
                    )
                    if subscriber_id is not None and known is not None:
                        session.add(
                            LinkClickPerson(
                                issue_id=followed.issue_id,
                                subscriber_id=subscriber_id,
                                url_key=key,
                                at=now,
                            )
                        )
                return
            except IntegrityError:
                continue  # another click made the row at the same time: add to it

    def clicks(self, issue_id: int) -> list[LinkCount]:
        """The links of an issue that were followed, most followed first."""
        with self.ctx.db.session() as session:
            if session.get(Issue, issue_id) is None:
                raise NotFoundError(N_("No issue {issue}."), issue=issue_id)
            return link_counts(session, issue_id)

    def people(self, issue_id: int) -> int:
        """How many different readers followed a link of the issue (individual only)."""
        with self.ctx.db.session() as session:
            found = session.scalars(
                select(LinkClickPerson.subscriber_id)
                .where(LinkClickPerson.issue_id == issue_id)
                .distinct()
            ).all()
        return len(found)
