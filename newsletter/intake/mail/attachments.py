"""What may be attached to a news item sent by e-mail.

Images become the item's image (the first one) or further attachments; PDFs become its
attachments. Executables, archives, anything over ``INTAKE_MAX_ATTACHMENT`` and every
other type are refused with a note on the item. The type is read from the bytes, not
from the name or the declared content type, so a renamed program is still refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath

from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg
from newsletter.intake.files import UNREADABLE_IMAGE, inspect_image, is_pdf

DEFAULT_MAX_PIXELS = 25_000_000

EXECUTABLE_EXTENSIONS = frozenset(
    [
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".scr",
        ".pif",
        ".msi",
        ".msp",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".ps1",
        ".psm1",
        ".jar",
        ".app",
        ".dll",
        ".cpl",
        ".hta",
        ".lnk",
        ".reg",
        ".sh",
        ".apk",
        ".dmg",
        ".iso",
        ".img",
        ".scf",
        ".docm",
        ".xlsm",
        ".pptm",
        ".url",
        ".gadget",
        ".inf",
        ".sys",
        ".run",
        ".bin",
        ".elf",
        ".deb",
        ".rpm",
        ".py",
        ".pl",
        ".rb",
    ]
)
ARCHIVE_EXTENSIONS = frozenset(
    [
        ".zip",
        ".rar",
        ".7z",
        ".tar",
        ".gz",
        ".tgz",
        ".bz2",
        ".tbz",
        ".xz",
        ".txz",
        ".cab",
        ".arj",
        ".lz",
        ".lzh",
        ".lzma",
        ".zst",
        ".ace",
        ".z",
        ".uue",
    ]
)
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MSCF",
    b"\x28\xb5\x2f\xfd",
)
_EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
)
#: an inline image smaller than this (either side, in pixels) is a logo or an icon
MIN_INLINE_IMAGE_SIDE = 100
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")


class Kind(StrEnum):
    image = "image"
    pdf = "pdf"
    refused = "refused"
    ignored = "ignored"


@dataclass
class Candidate:
    """A part of the message that is not its text."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class Verdict:
    kind: Kind
    content_type: str
    reason: Msg | None = None


def safe_filename(name: str, *, fallback: str = "attachment") -> str:
    """A file name without path, control characters or reserved characters."""
    name = unicodedata.normalize("NFC", name)
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 170 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:180]
    return name


def _extension(name: str) -> str:
    suffixes = PurePosixPath(name.lower()).suffixes
    return suffixes[-1] if suffixes else ""


def classify(
    candidate: Candidate, *, max_size: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Verdict:
    """Decide what becomes of one attachment (by the rules of ``intake.files``)."""
    name, data = candidate.filename, candidate.data
    ext = _extension(name)
    head = data[:16]
    size_mb = f"{len(data) / 1024 / 1024:.1f}"
    if ext in EXECUTABLE_EXTENSIONS or head.startswith(_EXECUTABLE_MAGIC):
        return Verdict(
            Kind.refused,
            candidate.content_type,
            Msg(N_("{name}: programs are not accepted"), {"name": name}),
        )
    if ext in ARCHIVE_EXTENSIONS or (
        head.startswith(_ARCHIVE_MAGIC)
        and ext not in {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub"}
    ):
        return Verdict(
            Kind.refused,
            candidate.content_type,
            Msg(N_("{name}: archives are not accepted"), {"name": name}),
        )
    if len(data) > max_size:
        limit_mb = f"{max_size / 1024 / 1024:.1f}"
        return Verdict(
            Kind.refused,
            candidate.content_type,
            Msg(
                N_("{name}: too large ({size} MB, at most {limit} MB)"),
                {"name": name, "size": size_mb, "limit": limit_mb},
            ),
        )
    if is_pdf(data):
        return Verdict(Kind.pdf, "application/pdf")
    try:
        image = inspect_image(data, max_pixels)
    except ValidationError as error:
        if error.msg.msgid != UNREADABLE_IMAGE:  # an image, but too many pixels
            reason = (
                Msg(N_("{name}: image too large ({width} × {height} pixels, at most {limit} "
                       "million pixels)"), {"name": name, **error.msg.params})
                if "width" in error.msg.params
                else Msg(N_("{name}: image too large (too many pixels)"), {"name": name})
            )  # fmt: skip
            return Verdict(Kind.refused, candidate.content_type, reason)
        image = None
    if image is not None:
        if candidate.inline and min(image.width, image.height) < MIN_INLINE_IMAGE_SIDE:
            return Verdict(Kind.ignored, image.content_type)
        return Verdict(Kind.image, image.content_type)
    if ext == ".pdf" or candidate.content_type == "application/pdf":
        return Verdict(
            Kind.refused,
            candidate.content_type,
            Msg(N_("{name}: not a readable PDF file"), {"name": name}),
        )
    if candidate.content_type.startswith("image/"):
        return Verdict(
            Kind.refused,
            candidate.content_type,
            Msg(N_("{name}: not a readable image (JPEG, PNG, GIF or WebP)"), {"name": name}),
        )
    return Verdict(
        Kind.refused,
        candidate.content_type,
        Msg(N_("{name}: only PDF files and images are accepted"), {"name": name}),
    )
