"""Checks on partner uploads and the rate limits of the submission form."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from newsletter.errors import ValidationError
from newsletter.intake.files import accept_image, accept_pdf
from newsletter.service import Service
from newsletter.service.submissions import SUBMISSIONS_PER_LINK_HOUR

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 25_000_000}


def reencode_image(name: str, data: bytes) -> tuple[str, str, bytes]:
    return accept_image(name, data, **LIMITS)


def check_pdf(name: str, data: bytes) -> tuple[str, str, bytes]:
    return accept_pdf(name, data, max_bytes=LIMITS["max_bytes"])


def _image(fmt: str, size: tuple[int, int] = (3000, 1500), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, (200, 30, 30))
    info = {"exif": b"Exif\x00\x00secret"} if fmt == "JPEG" else {}
    image.save(out, fmt, **info)
    return out.getvalue()


def test_images_are_reencoded_and_shrunk() -> None:
    name, content_type, data = reencode_image("photo.jpeg", _image("JPEG"))
    assert (name, content_type) == ("photo.jpg", "image/jpeg")
    with Image.open(io.BytesIO(data)) as result:
        assert max(result.size) == 1600
        assert "exif" not in result.info
    name, content_type, _ = reencode_image("logo.png", _image("PNG", (200, 100), "RGBA"))
    assert (name, content_type) == ("logo.png", "image/png")


def test_fake_images_and_documents_are_refused() -> None:
    with pytest.raises(ValidationError):
        reencode_image("x.png", b"<?php echo 'hello'; ?>")
    with pytest.raises(ValidationError):
        check_pdf("tract.pdf", b"MZ\x90\x00 not a pdf")
    assert check_pdf("tract", b"%PDF-1.4 ...")[0] == "tract.pdf"


def test_submissions_are_rate_limited_per_link(service: Service) -> None:
    for _ in range(SUBMISSIONS_PER_LINK_HOUR):
        service.submissions.check_rate("192.0.2.1", "42")
        service.limits.hit("submit-link", "42")
    with pytest.raises(ValidationError):
        service.submissions.check_rate("192.0.2.99", "42")
    service.submissions.check_rate("192.0.2.99", "43")  # another link is not affected
