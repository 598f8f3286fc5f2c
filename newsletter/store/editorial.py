"""Tables of the editorial stages: stored files, news items, assemblies (AG) and the
answers to their invitations, issues."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, relationship

from newsletter.i18n import DEFAULT_LANGUAGE, Msg
from newsletter.models import IssueStatus, Language, NewsSource, NewsStatus
from newsletter.store import audience as _audience  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, Timestamps, UTCDateTime, str_enum, utcnow


def note_text(messages: list[Msg], lang: str = DEFAULT_LANGUAGE) -> str:
    return "\n".join(message.render(lang) for message in messages)


class StoredFile(Base):
    """A file kept in the database: flyers, images, minutes (PV), annexes."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NewsItem(Timestamps, Base):
    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: organisation name as given when the organisation is not in the directory
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    sender: Mapped[str] = mapped_column(String(320), default="")
    title: Mapped[str] = mapped_column(String(300))
    #: sanitised HTML, the only body form rendered
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: what the author typed (Markdown or raw HTML), kept for editing
    body_source: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(50), default="actualite")
    event_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_place: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(1000), default="")
    #: the words of the link (empty: "Read more" in the reader's language)
    link_text: Mapped[str] = mapped_column(String(200), default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    image_alt: Mapped[str] = mapped_column(String(300), default="")
    #: the original language: the columns above hold that version
    language: Mapped[Language] = mapped_column(str_enum(Language, 30), default=Language.fr)
    #: the other language's version: ``{"nl": {"title": …, "body_html": …}}`` (see
    #: ``newsletter.versions``)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[NewsSource] = mapped_column(
        str_enum(NewsSource, 30), default=NewsSource.coordinator
    )
    status: Mapped[NewsStatus] = mapped_column(
        str_enum(NewsStatus, 30), default=NewsStatus.pending, index=True
    )
    #: why it has its status: a person's words as written (``status_reason_params`` is
    #: None) or a message id of ours with its parameters, translated when shown (``reason``)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: notes for the coordinator (unknown sender, refused attachment…), language-neutral:
    #: ``[{"msgid": …, "params": {…}}]``, translated when shown (``note_messages``)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: the one-time key of the form that sent it: the same form sent twice (a reload, a
    #: double click) finds this item instead of making another
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    attachments: Mapped[list[NewsAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="NewsAttachment.position"
    )
    events: Mapped[list[NewsEvent]] = relationship(
        cascade="all, delete-orphan", order_by="NewsEvent.id"
    )

    @property
    def note_messages(self) -> list[Msg]:
        return [Msg.stored(str(n.get("msgid", "")), dict(n.get("params") or {}))
                for n in self.notes or [] if isinstance(n, dict)]  # fmt: skip

    def add_note(self, message: Msg) -> None:
        stored = {"msgid": message.msgid, "params": message.stored_params()}
        self.notes = [*(self.notes or []), stored]

    @property
    def note(self) -> str:
        """The notes in the default language, one a line (the CLI's ``note``)."""
        return note_text(self.note_messages)

    @property
    def reason(self) -> Msg | None:
        """Why it has its status, translated when shown; None without a reason."""
        return stored_reason(self.status_reason, self.status_reason_params)


class NewsAttachment(Base):
    __tablename__ = "news_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    news_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    file: Mapped[StoredFile] = relationship()


class NewsEvent(Base):
    """Audit trail of a news item: every status transition, who and when."""

    __tablename__ = "news_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    news_id: Mapped[int] = mapped_column(
        ForeignKey("news_items.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(30), default="")
    to_status: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(320), default="")
    #: a person's words as written (``reason_params`` is None) or a message id of ours
    #: with its parameters, translated when shown (``message``)
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def message(self) -> Msg | None:
        """Why the status changed, translated when shown; None without a reason."""
        return stored_reason(self.reason, self.reason_params)


class Assembly(Timestamps, Base):
    """A general assembly (AG)."""

    __tablename__ = "assemblies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable calendar UID: an update changes the entry instead of adding one
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    theme: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(500), default="")
    video_url: Mapped[str] = mapped_column(String(1000), default="")
    #: ordered agenda items ("objet")
    agenda: Mapped[list[str]] = mapped_column(default=list)
    #: the original language of title, theme, place and agenda (the columns)
    language: Mapped[Language] = mapped_column(str_enum(Language, 30), default=Language.fr)
    #: the other language's version: ``{"nl": {"title": …, "agenda": […]}}``
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: [{"name": ..., "organisation": ...}]
    speakers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    minutes_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    #: the PV shown on the web to members only (False) or to everyone (True)
    minutes_public: Mapped[bool] = mapped_column(default=False)
    #: "" while the PV is a draft; "approved" or "approved_with_changes" once approved
    minutes_approval: Mapped[str] = mapped_column(String(30), default="")
    minutes_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the approved PV (with the changes made at the approval), when one was given
    minutes_final_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("files.id", ondelete="SET NULL")
    )
    #: answers (RSVP) can be changed until then; None: until the AG starts
    rsvp_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: how many proxies one organisation may hold
    proxy_limit: Mapped[int] = mapped_column(Integer, default=1)
    #: when the reminder goes to those who have not answered; None: ASSEMBLY_REMINDER_DAYS
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the planned reminder went out (it goes once; "remind now" does not count)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled: Mapped[bool] = mapped_column(default=False)

    minutes: Mapped[StoredFile | None] = relationship(foreign_keys=[minutes_file_id])
    minutes_final: Mapped[StoredFile | None] = relationship(foreign_keys=[minutes_final_file_id])


class Issue(Timestamps, Base):
    """One edition of the newsletter."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    introduction: Mapped[str] = mapped_column(Text, default="")
    #: the original language of title and introduction (the columns)
    language: Mapped[Language] = mapped_column(str_enum(Language, 30), default=Language.fr)
    #: the other language's version: ``{"nl": {"title": …, "introduction": …}}``
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: bilingual edition: every reader gets both versions in one e-mail
    bilingual: Mapped[bool] = mapped_column(default=False)
    status: Mapped[IssueStatus] = mapped_column(
        str_enum(IssueStatus, 30), default=IssueStatus.draft, index=True
    )
    #: why it is paused or held (a render failure): English message id and its parameters,
    #: translated when shown (``reason``, ``set_reason``)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_reason_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: list ids (files in lists/) the issue is sent to
    lists: Mapped[list[str]] = mapped_column(default=list)
    #: assembly this issue is the invitation (or reminder) of, if any
    assembly_id: Mapped[int | None] = mapped_column(
        ForeignKey("assemblies.id", ondelete="SET NULL")
    )
    public: Mapped[bool] = mapped_column(default=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    items: Mapped[list[IssueItem]] = relationship(
        cascade="all, delete-orphan", order_by="IssueItem.position"
    )
    annexes: Mapped[list[IssueAnnex]] = relationship(
        cascade="all, delete-orphan", order_by="IssueAnnex.position"
    )
    assemblies: Mapped[list[IssueAssembly]] = relationship(
        cascade="all, delete-orphan", order_by="IssueAssembly.position"
    )
    blocks: Mapped[list[IssueBlock]] = relationship(
        cascade="all, delete-orphan", order_by="IssueBlock.position"
    )

    @property
    def reason(self) -> Msg | None:
        """Why it is paused or held, translated when shown; None without a reason."""
        if not self.status_reason:
            return None
        return Msg.stored(self.status_reason, self.status_reason_params)

    def set_reason(self, reason: Msg | None) -> None:
        self.status_reason = reason.msgid if reason else ""
        self.status_reason_params = reason.stored_params() if reason else {}


class IssueItem(Base):
    __tablename__ = "issue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    news_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)

    news: Mapped[NewsItem] = relationship()


class IssueAssembly(Base):
    """An AG announced in an issue."""

    __tablename__ = "issue_assemblies"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: the AG whose PV goes with this one (None: no PV); set to the previous AG's when
    #: the AG is added (``editorial.issues.add_assembly``), the coordinator may change it
    minutes_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("assemblies.id", ondelete="SET NULL")
    )

    assembly: Mapped[Assembly] = relationship(foreign_keys=[assembly_id])
    minutes_from: Mapped[Assembly | None] = relationship(foreign_keys=[minutes_from_id])


class IssueAnnex(Base):
    __tablename__ = "issue_annexes"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300), default="")
    #: the label in the issue's other language: ``{"nl": {"label": …}}``
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: who gets it (``editorial.blocks.AUDIENCES``): a PV goes to members only
    audience: Mapped[str] = mapped_column(String(20), default="all")
    #: the AG of the issue this annex is the PV for (None: an annex of its own)
    for_assembly_id: Mapped[int | None] = mapped_column(
        ForeignKey("assemblies.id", ondelete="SET NULL")
    )

    file: Mapped[StoredFile] = relationship()


class IssueBlock(Base):
    """The coordinator's own words between the sections: a text, an image or a button.

    ``place`` says after which part it comes (``editorial.blocks.PLACES``: the
    introduction, the AGs, a news section, the end), ``position`` its order among all
    blocks. Texts have a version per language (``newsletter.versions``, ``BLOCK_FIELDS``).
    """

    __tablename__ = "issue_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    #: "text", "image" or "button"
    kind: Mapped[str] = mapped_column(String(10))
    place: Mapped[str] = mapped_column(String(50), default="introduction")
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: who gets it (``editorial.blocks.AUDIENCES``)
    audience: Mapped[str] = mapped_column(String(20), default="all")
    language: Mapped[Language] = mapped_column(str_enum(Language, 30), default=Language.fr)
    #: the other language's version: ``{"nl": {"body_html": …, "label": …}}``
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a text block: what the coordinator typed (Markdown) and its sanitised HTML
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: a button: its words and where it leads
    label: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    #: an image: the re-encoded file and its description
    image_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    image_alt: Mapped[str] = mapped_column(String(300), default="")

    image: Mapped[StoredFile | None] = relationship()


def store_file(session: Session, filename: str, content_type: str, data: bytes) -> StoredFile:
    """Keep a file in the database; an identical file already stored is reused.

    Path separators in the name become ``_``: a file name is never a path (in a
    download link it stays one URL segment).
    """
    filename = filename.replace("/", "_").replace("\\", "_")
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalars(
        select(StoredFile).where(
            StoredFile.sha256 == digest,
            StoredFile.filename == filename,
            StoredFile.content_type == content_type,
        )
    ).first()
    if existing is not None:
        return existing
    stored = StoredFile(
        filename=filename, content_type=content_type, size=len(data), sha256=digest, data=data
    )
    session.add(stored)
    session.flush()
    return stored


class RsvpAnswer(Base):
    """A subscriber's answer to an AG invitation (one per assembly and subscriber)."""

    __tablename__ = "rsvp_answers"
    __table_args__ = (UniqueConstraint("assembly_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    attending: Mapped[bool] = mapped_column(default=True)
    #: "yes", "no" or "proxy" (the organisation gives its vote to ``proxy_to_id``)
    choice: Mapped[str] = mapped_column(String(10), default="yes")
    proxy_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    #: people coming, the subscriber included (0 when not attending)
    people: Mapped[int] = mapped_column(Integer, default=1)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def stored_reason(text: str, params: dict[str, Any] | None) -> Msg | None:
    """A stored reason: a message id with its parameters, or (``params`` None) a
    person's words shown as written."""
    if not text:
        return None
    return Msg.as_written(text) if params is None else Msg.stored(text, params)
