"""Signed tokens for links in e-mails and pages (itsdangerous).

Each purpose has its own salt, so a token made for one purpose (say an RSVP) is
refused for another (say an unsubscribe). Serializers are cached per (secret,
purpose): a send signs two links per recipient. Short payloads (a few ids) are not
run through zlib: it cannot make them shorter, and trying costs as much as the
signature. Longer ones are compressed when that helps, as itsdangerous does; tokens
of either form verify. Short tokens are written here with one HMAC under the key
itsdangerous derives: the very token its serializer makes (a test compares them), at a
fraction of the cost, since a send signs two or three links per recipient. The HMAC's
inner and outer hash states under each key are computed once (RFC 2104: the key padded
and XORed with ``ipad``/``opad``, hashed); each signature copies them and hashes only
the token, where a one-shot ``hmac.digest`` sets up the key again every time.

Every purpose has its lifetime here (``LIFETIMES``), checked by ``verify`` from the
time signed into the token: a one-click unsubscribe link keeps working for years (an
old e-mail must still let its reader leave, RFC 8058), preferences and RSVP links for
``PERSONAL_LINK_DAYS``, a subscription confirmation for ``CONFIRM_LINK_HOURS`` (and
once: ``service.subscriptions``), a partner's submission link for
``PARTNER_LINK_DAYS`` (the link to one news item they sent too). Annex and image links
name a file of a published issue, the same for every reader and no person: they do not
expire (an old e-mail keeps its images); nor do the links of an issue through the
counting redirect (``CLICK``, ``CLICK_PERSON``).
"""

from __future__ import annotations

import binascii
import json
import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes
from itsdangerous.url_safe import URLSafeSerializerMixin

from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.keyed_hash import key_states, keyed

#: JSON payloads up to this size are not offered to zlib
SHORT_PAYLOAD = 48

UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"
RSVP = "rsvp"
ANNEX = "annex"
PARTNER = "partner"
CONFIRM = "confirm"
NEWS_ITEM = "news-item"
#: a link of an issue through the counting redirect (issue and URL, no person)
CLICK = "click"
#: who followed it, only with individual tracking on (subscriber and issue)
CLICK_PERSON = "click-person"

#: how long a token of each purpose is accepted after it was made (None: no expiry)
LIFETIMES: dict[str, Callable[[Settings], timedelta | None]] = {
    UNSUBSCRIBE: lambda s: timedelta(days=s.unsubscribe_link_days),
    PREFERENCES: lambda s: timedelta(days=s.personal_link_days),
    RSVP: lambda s: timedelta(days=s.personal_link_days),
    CONFIRM: lambda s: timedelta(hours=s.confirm_link_hours),
    PARTNER: lambda s: timedelta(days=s.partner_link_days),
    NEWS_ITEM: lambda s: timedelta(days=s.partner_link_days),
    ANNEX: lambda s: None,
    # an old e-mail's links keep leading where they did
    CLICK: lambda s: None,
    CLICK_PERSON: lambda s: None,
}


def lifetime(settings: Settings, purpose: str) -> timedelta | None:
    """How long a token of ``purpose`` works (KeyError for a purpose without one)."""
    return LIFETIMES[purpose](settings)


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


#: the JSON of itsdangerous' serializer (``_CompactJSON``), built once
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=64)
def _signing_key(secret: str, purpose: str) -> bytes:
    """The HMAC key itsdangerous derives for the serializer of ``purpose``, derived once
    (itsdangerous derives it again at every signature)."""
    key: bytes = _cached(secret, purpose).make_signer().derive_key()
    return key


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """itsdangerous' ``base64_encode``: URL-safe base64 without padding."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


#: a short payload's part of a token (``ShortSigner.signed``)
encode_payload = _b64


def _compact_json(payload: Any) -> bytes:
    """The JSON itsdangerous writes (``_CompactJSON``); a few ids written out directly."""
    if type(payload) is dict and len(payload) <= 4:
        fields = []
        for key, value in payload.items():
            if type(key) is not str or not (key.isascii() and key.isalnum()):
                break
            if type(value) is int:
                fields.append(f'"{key}":{value}')
            elif value is None:
                fields.append(f'"{key}":null')
            else:
                break
        else:
            return ("{" + ",".join(fields) + "}").encode("ascii")
    return _JSON.encode(payload).encode("utf-8")


#: the last timestamp signed and its encoded form (a send signs thousands a second)
_stamp: tuple[int, bytes] = (-1, b"")


def hmac_sha1(key: bytes, message: bytes) -> bytes:
    """``hmac.digest(key, message, "sha1")``, from the key's hash states computed once
    (HMAC-SHA1, as itsdangerous signs)."""
    digest: bytes = keyed(key_states(key, "sha1"), message).digest()
    return digest


def _encoded_stamp(timestamp: int) -> bytes:
    """``.`` + the encoded timestamp, encoded again only when the second changed."""
    global _stamp
    stamp = _stamp  # one read: another thread may replace it meanwhile
    if stamp[0] != timestamp:
        stamp = _stamp = (timestamp, b"." + _b64(int_to_bytes(timestamp)))
    return stamp[1]


def signed_short(key: bytes, payload: bytes, timestamp: int) -> str:
    """The token itsdangerous' timed serializer makes for a short (uncompressed) JSON
    payload at ``timestamp``: ``b64(payload).b64(time).b64(HMAC-SHA1)`` under the derived
    key, byte for byte (a test compares them), in one HMAC."""
    value = _b64(payload) + _encoded_stamp(timestamp)
    return (value + b"." + _b64(hmac_sha1(key, value))).decode("ascii")


class ShortSigner:
    """Short tokens of one purpose for many recipients (a send): ``sign``'s tokens for
    payloads of at most ``SHORT_PAYLOAD`` bytes of compact JSON, with the purpose's key
    and its HMAC states looked up once."""

    __slots__ = ("_states",)

    def __init__(self, settings: Settings, purpose: str) -> None:
        if purpose not in LIFETIMES:  # every purpose has a lifetime
            raise KeyError(purpose)
        self._states = key_states(_signing_key(settings.secret, purpose), "sha1")

    def token(self, payload: bytes, timestamp: int | None = None) -> str:
        """The token of ``payload``, the compact JSON ``sign`` writes (``_compact_json``),
        made now or at ``timestamp`` (``signed_short`` written out); ValueError for a
        payload too long to go uncompressed."""
        if len(payload) > SHORT_PAYLOAD:
            raise ValueError("a payload for sign(), not a short token")
        made = int(time.time()) if timestamp is None else timestamp
        return self.signed(_b64(payload) + _encoded_stamp(made))

    def signed(self, value: bytes) -> str:
        """The token of ``value``, a short payload and its time already encoded
        (``_b64(payload) + stamp(timestamp)``): ``value.b64(HMAC-SHA1)``."""
        digest = keyed(self._states, value).digest()
        # a SHA-1 MAC is 20 bytes: 27 characters of base64 and one "=" dropped
        mac = binascii.b2a_base64(digest, newline=False)[:27].translate(_URL_SAFE)
        return (value + b"." + mac).decode("ascii")


def stamp_now() -> bytes:
    """``.`` and the time now as a token carries it (``ShortSigner.signed``)."""
    return _encoded_stamp(int(time.time()))


def sign(settings: Settings, purpose: str, payload: Any) -> str:
    """A URL-safe token carrying ``payload`` (JSON-serialisable) and the time it was made.

    A send signs links for every recipient: short payloads take ``signed_short`` (the same
    token, a fifth of the cost); others go through itsdangerous. ``verify`` reads both.
    """
    if purpose not in LIFETIMES:  # every purpose has a lifetime
        raise KeyError(purpose)
    data = _compact_json(payload)
    if len(data) > SHORT_PAYLOAD:
        return _serializer(settings, purpose).dumps(payload)
    return signed_short(_signing_key(settings.secret, purpose), data, int(time.time()))


def verify(settings: Settings, purpose: str, token: str) -> Any:
    """The payload of a valid token; ValidationError when forged, altered or older than
    the lifetime of its purpose."""
    life = lifetime(settings, purpose)
    max_age = None if life is None else int(life.total_seconds())
    try:
        return _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ValidationError(N_("This link has expired.")) from error
    except BadSignature as error:
        raise ValidationError(N_("This link is not valid.")) from error
