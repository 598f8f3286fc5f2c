"""Tables of the general assemblies (AG) beyond the AG itself: who came (attendance)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.store import audience as _audience  # noqa: F401 - its tables are referred to
from newsletter.store import editorial as _editorial  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, utcnow


class Attendance(Base):
    """One person at the door of an AG: a subscriber ticked present (or absent), or
    someone walking in (``walk_in``, no subscriber)."""

    __tablename__ = "assembly_attendance"
    __table_args__ = (UniqueConstraint("assembly_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    #: an organisation named at the door that is not in the directory
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    present: Mapped[bool] = mapped_column(default=True)
    walk_in: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
