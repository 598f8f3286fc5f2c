"""Checks on partner uploads and the rate limits of the submission form."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from PIL import Image

from newsletter.errors import ValidationError
from newsletter.intake.files import accept_image, accept_pdf
from newsletter.service import Service
from newsletter.service.submissions import (
    SUBMISSIONS_PER_IP_HOUR,
    SUBMISSIONS_PER_LINK_HOUR,
    SUBMISSIONS_PER_SENDER_HOUR,
    NewsForm,
)
from tests.web.smtp import SmtpServer

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
    for n in range(SUBMISSIONS_PER_LINK_HOUR):
        service.submissions.check_rate(f"192.0.2.{n}", "42", f"p{n}@example.org")
    with pytest.raises(ValidationError):
        service.submissions.check_rate("192.0.2.99", "42", "other@example.org")
    # another link is not affected
    service.submissions.check_rate("192.0.2.99", "43", "other@example.org")


def _news(sender: str, title: str = "Gagnez un iPhone sur https://evil.example") -> NewsForm:
    return NewsForm(title=title, body="Texte **libre** du visiteur", category="", sender=sender)


def test_the_receipt_carries_none_of_the_visitors_text(
    mailing_service: Service, smtp: SmtpServer
) -> None:
    summary = mailing_service.submissions.submit(_news("victim@example.net"), ip="192.0.2.7")
    (mail,) = smtp.recorder.wait_for(1)
    assert mail.recipients == ["victim@example.net"]
    text = mail.message.get_content()
    assert f"#{summary.id}" in text
    for typed in ("iPhone", "evil.example", "libre"):
        assert typed not in text and typed not in str(mail.message["Subject"])


def test_submissions_are_limited_per_sender_address(service: Service) -> None:
    for n in range(SUBMISSIONS_PER_SENDER_HOUR):
        service.submissions.check_rate(f"198.51.100.{n}", None, "Target@example.net")
    with pytest.raises(ValidationError):
        service.submissions.check_rate("198.51.100.200", None, "target@example.net")
    # a refused try is not counted for the client
    assert service.limits.count("submit-ip", "198.51.100.200", timedelta(hours=1)) == 0


def test_parallel_submissions_cannot_pass_the_limit_together(service: Service) -> None:
    tries = SUBMISSIONS_PER_IP_HOUR + 10

    def one(n: int) -> bool:
        try:
            service.submissions.check_rate("203.0.113.9", None, f"s{n}@example.net")
        except ValidationError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        passed = sum(pool.map(one, range(tries)))
    assert passed == SUBMISSIONS_PER_IP_HOUR
    assert service.limits.count("submit-ip", "203.0.113.9", timedelta(hours=1)) == passed
