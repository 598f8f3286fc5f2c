"""Signed tokens for links in e-mails and pages (itsdangerous).

Each purpose has its own salt, so a token made for one purpose (say an RSVP) is
refused for another (say an unsubscribe). Serializers are cached per (secret,
purpose): a send signs two links per recipient. Short payloads (a few ids) are not
run through zlib: it cannot make them shorter, and trying costs as much as the
signature. Longer ones are compressed when that helps, as itsdangerous does; tokens
of either form verify.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.i18n import N_

#: JSON payloads up to this size are not offered to zlib
SHORT_PAYLOAD = 48


class _Serializer(URLSafeTimedSerializer):
    def dump_payload(self, obj: Any) -> bytes:
        data = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON bytes
        if len(data) > SHORT_PAYLOAD:
            return super().dump_payload(obj)  # compressed when that makes it shorter
        return base64_encode(data)


@lru_cache(maxsize=64)
def _cached(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return _Serializer(secret, salt=f"newsletter.{purpose}")


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return _cached(settings.secret, purpose)


def sign(settings: Settings, purpose: str, payload: Any) -> str:
    """A URL-safe token carrying ``payload`` (JSON-serialisable)."""
    return _serializer(settings, purpose).dumps(payload)


def verify(settings: Settings, purpose: str, token: str, max_age: int | None = None) -> Any:
    """The payload of a valid token; ValidationError when forged, altered or expired."""
    try:
        return _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ValidationError(N_("This link has expired.")) from error
    except BadSignature as error:
        raise ValidationError(N_("This link is not valid.")) from error
