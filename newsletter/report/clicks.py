"""How many times each link of an issue was followed (``CLICK_COUNTING``): the totals
the redirect counted, nothing about who."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.store.clicks import LinkClicks


@dataclass(frozen=True, slots=True)
class LinkCount:
    """How many times one link of an issue was followed."""

    url: str
    count: int

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "count": self.count}


def link_counts(session: Session, issue_id: int) -> list[LinkCount]:
    """The links of an issue that were followed, most followed first."""
    rows = session.execute(
        select(LinkClicks.url, LinkClicks.count)
        .where(LinkClicks.issue_id == issue_id)
        .order_by(LinkClicks.count.desc(), LinkClicks.url)
    ).all()
    return [LinkCount(url, int(count)) for url, count in rows]
