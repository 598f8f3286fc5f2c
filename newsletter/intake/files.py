"""The one policy for files people send, whatever the door (partner form, console,
CLI, e-mail, AG minutes).

- A PDF is a file whose first kilobyte holds the ``%PDF-`` header (``is_pdf``); the
  name and the declared type do not count.
- An image is JPEG, PNG, GIF or WebP as Pillow reads it from the bytes. Its dimensions
  are read from the header before anything is decoded: more than ``IMAGE_MAX_PIXELS``
  (and never more than Pillow's own ``MAX_IMAGE_PIXELS``) is refused, so a small file
  declaring a huge picture costs no memory. Accepted images are re-encoded (which drops
  anything hidden in the file and its metadata) and shrunk to ``MAX_IMAGE_SIDE``.

Every refusal is a ``ValidationError`` with a translatable message, never a crash.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.i18n import N_

#: (filename, content type, content)
FileUpload = tuple[str, str, bytes]

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_IMAGE_SIDE = 1600
PDF_HEADER_WINDOW = 1024
UNREADABLE_IMAGE = N_("The image could not be read: send a JPEG, PNG, GIF or WebP file.")
_TOO_MANY_PIXELS_PILLOW = N_("The image is too large (too many pixels). Send a smaller picture.")


def is_pdf(data: bytes) -> bool:
    """The one rule for "is this a PDF": the header within the first kilobyte."""
    return b"%PDF-" in data[:PDF_HEADER_WINDOW]


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return IMAGE_FORMATS[self.format]


def pixel_limit(max_pixels: int) -> int:
    """Our limit, never above Pillow's own."""
    pillow = Image.MAX_IMAGE_PIXELS
    return min(max_pixels, int(pillow)) if pillow else max_pixels


def _open(data: bytes) -> Image.Image:
    """Open (header only) with Pillow's bomb check as an error, not a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def inspect_image(data: bytes, max_pixels: int) -> ImageInfo:
    """Format and dimensions read from the header, without decoding the picture;
    ValidationError when it is not an accepted image or has too many pixels."""
    try:
        with _open(data) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()  # checks the structure, decodes no pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(_TOO_MANY_PIXELS_PILLOW) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(UNREADABLE_IMAGE) from error
    if kind not in IMAGE_FORMATS:
        raise ValidationError(UNREADABLE_IMAGE)
    info = ImageInfo(kind, width, height)
    limit = pixel_limit(max_pixels)
    if width * height > limit:
        raise ValidationError(
            N_("The image is too large: {width} × {height} pixels (at most {limit} million "
               "pixels). Send a smaller picture."),
            width=width, height=height, limit=f"{limit / 1_000_000:g}",
        )  # fmt: skip
    return info


def accept_image(filename: str, data: bytes, *, max_bytes: int, max_pixels: int) -> FileUpload:
    """A clean JPEG or PNG of an image at most ``MAX_IMAGE_SIDE`` pixels wide, or
    ValidationError (not an image, too many bytes, too many pixels)."""
    if len(data) > max_bytes:
        raise ValidationError(N_("The image is too large ({limit} MB at most)."),
                              limit=f"{max_bytes / 1024 / 1024:g}")  # fmt: skip
    info = inspect_image(data, max_pixels)
    try:
        image = _open(data)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # fmt: skip
        raise ValidationError(UNREADABLE_IMAGE) from error
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    stem = (filename.rsplit(".", 1)[0] or "image")[:100]
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and info.format != "JPEG":
        image.convert("RGBA").save(out, "PNG", optimize=True)
        return f"{stem}.png", "image/png", out.getvalue()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return f"{stem}.jpg", "image/jpeg", out.getvalue()


def accept_pdf(filename: str, data: bytes, *, max_bytes: int) -> FileUpload:
    """A PDF document (``is_pdf``) of at most ``max_bytes``, named ``….pdf``."""
    if len(data) > max_bytes:
        raise ValidationError(N_("{name} is too large ({limit} MB at most)."), name=filename,
                              limit=f"{max_bytes / 1024 / 1024:g}")  # fmt: skip
    if not is_pdf(data):
        raise ValidationError(N_("{name} is not a PDF file: only PDFs are accepted."),
                              name=filename)  # fmt: skip
    name = filename if filename.lower().endswith(".pdf") else f"{filename}.pdf"
    return name, "application/pdf", data


@dataclass(frozen=True)
class FilePolicy:
    """The limits of the settings, applied the same way by every door."""

    max_bytes: int
    max_pixels: int

    @classmethod
    def of(cls, settings: Settings) -> FilePolicy:
        return cls(settings.intake_max_attachment, settings.image_max_pixels)

    def image(self, filename: str, data: bytes) -> FileUpload:
        """An image of a news item: checked, re-encoded, shrunk."""
        return accept_image(filename, data, max_bytes=self.max_bytes, max_pixels=self.max_pixels)

    def document(self, filename: str, data: bytes) -> FileUpload:
        """A document (news attachment, issue annex, AG minutes): a PDF."""
        return accept_pdf(filename, data, max_bytes=self.max_bytes)
