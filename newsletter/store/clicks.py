"""Tables of the click counts: how many times each link of an issue was followed.

``link_clicks`` holds one counter per (issue, link) and nothing about who clicked.
``link_click_people`` is filled only when the coordinator turns individual tracking on
(``Settings.click_tracking_individual``): which subscriber followed which link, when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.store import audience as _audience  # noqa: F401 - its tables are referred to
from newsletter.store import editorial as _editorial  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, utcnow


class LinkClicks(Base):
    """The aggregate count of one link of one issue."""

    __tablename__ = "link_clicks"
    __table_args__ = (UniqueConstraint("issue_id", "url_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    #: SHA-256 (hex) of the URL: the unique key (a URL may be longer than an index allows)
    url_key: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkClickPerson(Base):
    """One click of one subscriber (individual tracking only)."""

    __tablename__ = "link_click_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    url_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
