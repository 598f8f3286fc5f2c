"""General assemblies (AG): creation, updates, minutes (PV).

The first agenda item of an AG approves the minutes of the previous AG. When the
coordinator's agenda does not start with it, ``create_assembly`` puts it first; the
previous AG's PV then travels with the invitation (``minutes_to_attach``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.config import Settings
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.models import Language
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly, StoredFile, store_file
from newsletter.text import one_line

#: an agenda item that approves minutes ("Approbation du PV…", "Goedkeuring notulen…")
_MINUTES_ITEM = re.compile(
    r"\b(pv|proc[eè]s[- ]verba(l|ux)|notulen|verslag|minutes)\b", re.IGNORECASE
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
SPEAKER_FORM = N_('A speaker is written as "Name, Organisation".')
NEEDS_TITLE = N_("An assembly needs a title.")
NEEDS_PLACE = N_("An assembly needs a place or a video-call link.")
MINUTES_TYPES = {".pdf": "application/pdf", ".odt": "application/vnd.oasis.opendocument.text"}


def approves_previous_minutes(agenda: list[str]) -> bool:
    return bool(agenda) and bool(_MINUTES_ITEM.search(agenda[0]))


def parse_agenda(text: str) -> list[str]:
    """Agenda items from a text file: one per non-empty line, bullets/numbers removed."""
    items = []
    for line in text.splitlines():
        item = one_line(_BULLET.sub("", line), 500)
        if item:
            items.append(item)
    return items


def parse_speaker(text: str, lang: str = "") -> dict[str, str]:
    """``"Name, Organisation"`` → {"name", "organisation"} (``lang``: the version typed,
    "" for the original)."""
    name, _, organisation = text.partition(",")
    if not name.strip():
        raise ValidationError(SPEAKER_FORM).on("speakers", lang)
    return {"name": one_line(name, 200), "organisation": one_line(organisation, 200)}


def clean_speakers(speakers: list[dict[str, str]], lang: str = "") -> list[dict[str, str]]:
    """Speakers as stored: a name each (required), an organisation (optional), one line."""
    clean = []
    for speaker in speakers:
        name = one_line(str(speaker.get("name", "")), 200)
        if not name:
            raise ValidationError(SPEAKER_FORM).on("speakers", lang)
        clean.append(
            {"name": name, "organisation": one_line(str(speaker.get("organisation", "")), 200)}
        )
    return clean


def previous_assembly(session: Session, assembly: Assembly) -> Assembly | None:
    """The last AG that started before this one (cancelled ones do not count)."""
    query = (
        select(Assembly)
        .where(
            Assembly.starts_at < assembly.starts_at,
            Assembly.cancelled.is_(False),
            Assembly.id != assembly.id,
        )
        .order_by(Assembly.starts_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def minutes_to_attach(session: Session, assembly: Assembly) -> StoredFile | None:
    """The previous AG's PV when this AG's first agenda item approves it (its final
    version once approved, else the draft)."""
    if not approves_previous_minutes(list(assembly.agenda)):
        return None
    previous = previous_assembly(session, assembly)
    if previous is None:
        return None
    return previous.minutes_final or previous.minutes


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValidationError(N_("Assembly times need a time zone.")).on("starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError(N_("The assembly ends before it starts.")).on("ends_at")


def _check_video(url: str) -> str:
    url = url.strip()
    if url and not re.match(r"^https://[^\s<>\"]+$", url):
        raise ValidationError(N_("The video-call link must start with https://.")).on("video_url")
    return url


def _uid_domain(settings: Settings) -> str:
    match = re.search(r"@([A-Za-z0-9.-]+)", settings.from_address)
    return match.group(1) if match else "newsletter.invalid"


def create_assembly(
    session: Session,
    settings: Settings,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    place: str = "",
    video_url: str = "",
    agenda: list[str] | None = None,
    speakers: list[dict[str, str]] | None = None,
    theme: str = "",
    language: str = "fr",
) -> Assembly:
    """A new AG; the PV approval of the previous AG is put first on its agenda (in the
    AG's original ``language``)."""
    language = versions.check_language(language)
    clean_title = one_line(title, 300)
    if not clean_title:
        raise ValidationError(NEEDS_TITLE).on("title")
    _check_times(starts_at, ends_at)
    if not place.strip() and not video_url.strip():
        raise ValidationError(NEEDS_PLACE).on("place")
    assembly = Assembly(
        uid=f"ag-{uuid.uuid4()}@{_uid_domain(settings)}",
        sequence=0,
        title=clean_title,
        theme=one_line(theme, 300),
        starts_at=starts_at,
        ends_at=ends_at,
        place=one_line(place, 500),
        video_url=_check_video(video_url),
        agenda=[one_line(item, 500) for item in agenda or [] if item.strip()],
        speakers=clean_speakers(list(speakers or [])),
        language=Language(language),
    )
    session.add(assembly)
    session.flush()
    previous = previous_assembly(session, assembly)
    if previous is not None and not approves_previous_minutes(list(assembly.agenda)):
        from babel.dates import format_date  # here: the sender reads AGs, never writes one

        day = format_date(
            previous.starts_at.astimezone(ZoneInfo(settings.timezone)), "d MMMM y", locale=language
        )
        assembly.agenda = [versions.PV_APPROVAL[language].format(day=day), *assembly.agenda]
    return assembly


def update_assembly(session: Session, assembly: Assembly, **changes: Any) -> Assembly:
    """Change an AG; its calendar SEQUENCE goes up so calendars update the same entry."""
    allowed = {"title", "theme", "starts_at", "ends_at", "place", "video_url", "agenda",
               "speakers", "cancelled"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown assembly fields: {sorted(unknown)}")
    _check_times(
        changes.get("starts_at", assembly.starts_at), changes.get("ends_at", assembly.ends_at)
    )
    if "video_url" in changes:
        changes["video_url"] = _check_video(changes["video_url"])
    for name, limit in (("title", 300), ("theme", 300), ("place", 500)):
        if name in changes:
            changes[name] = one_line(changes[name], limit)
    if "speakers" in changes:
        changes["speakers"] = clean_speakers(list(changes["speakers"] or []))
    if "title" in changes and not changes["title"]:
        raise ValidationError(NEEDS_TITLE).on("title")
    place, video = (
        changes.get("place", assembly.place),
        changes.get("video_url", assembly.video_url),
    )
    if ("place" in changes or "video_url" in changes) and not place and not video:
        raise ValidationError(NEEDS_PLACE).on("place")
    for field, value in changes.items():
        setattr(assembly, field, value)
    assembly.sequence += 1
    assembly.updated_at = utcnow()
    session.flush()
    return assembly


def get_assembly(session: Session, assembly_id: int) -> Assembly:
    assembly = session.get(Assembly, assembly_id)
    if assembly is None:
        raise NotFoundError(N_("No assembly with id {id}."), id=assembly_id)
    return assembly


def attach_minutes(
    session: Session, assembly: Assembly, filename: str, data: bytes, content_type: str = ""
) -> StoredFile:
    """Attach the PV of an AG (after the meeting); replaces an earlier one."""
    if not data:
        raise ValidationError(N_("The minutes file is empty."))
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    kind = content_type or MINUTES_TYPES.get(suffix, "application/octet-stream")
    stored = store_file(session, one_line(filename, 255), kind, data)
    assembly.minutes_file_id = stored.id
    assembly.minutes = stored
    # a new draft: approved again at the next AG
    assembly.minutes_approval = ""
    assembly.minutes_approved_at = None
    assembly.minutes_final_file_id = None
    assembly.minutes_final = None
    session.flush()
    return stored


MINUTES_OUTCOMES = ("approved", "approved_with_changes")


def approve_minutes(
    session: Session,
    assembly: Assembly,
    outcome: str,
    final: tuple[str, bytes] | None = None,
    *,
    public: bool | None = None,
) -> None:
    """Record the approval of an AG's PV (at the next AG): approved as it is, or with
    changes, then with the final PDF. The PV is then final in the archive."""
    if outcome not in MINUTES_OUTCOMES:
        raise ValidationError(
            N_("The approval is 'approved' or 'approved_with_changes', not {outcome}."),
            outcome=outcome,
        )
    if assembly.minutes is None:
        raise ValidationError(N_("This assembly has no minutes (PV) to approve yet."))
    if outcome == "approved_with_changes" and final is None:
        raise ValidationError(N_("Approved with changes: give the final PV (PDF)."))
    if final is not None:
        name, data = final
        if not data.startswith(b"%PDF-"):
            raise ValidationError(
                N_("{name} is not a PDF file: only PDFs are accepted."), name=one_line(name, 255)
            )
        stored = store_file(session, one_line(name, 255), "application/pdf", data)
        assembly.minutes_final_file_id = stored.id
        assembly.minutes_final = stored
    assembly.minutes_approval = outcome
    assembly.minutes_approved_at = utcnow()
    if public is not None:
        assembly.minutes_public = public
    session.flush()


def minutes_archive(session: Session) -> list[Assembly]:
    """AGs with a PV, newest first (drafts and final ones)."""
    query = (
        select(Assembly)
        .where(Assembly.minutes_file_id.is_not(None), Assembly.cancelled.is_(False))
        .order_by(Assembly.starts_at.desc())
    )
    return list(session.scalars(query))


def upcoming_assemblies(session: Session, now: datetime | None = None) -> list[Assembly]:
    query = (
        select(Assembly)
        .where(Assembly.starts_at >= (now or utcnow()), Assembly.cancelled.is_(False))
        .order_by(Assembly.starts_at)
    )
    return list(session.scalars(query))
