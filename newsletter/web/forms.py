"""Parsing of form values typed in Europe/Brussels time, and of uploaded files."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import UploadFile

from newsletter.errors import ValidationError
from newsletter.i18n import N_

MAX_UPLOAD = 12 * 1024 * 1024


def local_datetime(value: str, timezone: str) -> datetime | None:
    """A ``datetime-local`` field (``2026-03-14T18:30``) as an aware datetime, or None."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(N_("Invalid date: {value}"), value=value) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def read_upload(upload: UploadFile | None) -> tuple[str, bytes] | None:
    """(filename, bytes) of an uploaded file; None when the field was left empty."""
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationError(N_("{name} is too large."), name=upload.filename)
    return upload.filename, data
