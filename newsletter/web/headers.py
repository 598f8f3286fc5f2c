"""Security headers of every page.

The console and the public pages load scripts and styles from /static only (no inline
script, no inline style), so the Content-Security-Policy allows nothing else. Pages that
show an e-mail as received (previews, the archive's frame) set their own, stricter
policy for scripts and allow the e-mail's inline styles. HSTS is sent when BASE_URL is
https.
"""

from __future__ import annotations

from starlette.responses import Response

from newsletter.config import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
#: for an e-mail's HTML shown in a frame of the console or the archive
EMAIL_FRAME_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
HSTS = "max-age=31536000"


def add_security_headers(settings: Settings, path: str, response: Response) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if settings.base_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if path.startswith("/console"):
        headers.setdefault("Cache-Control", "no-store")
