"""Message-IDs of what we send: deterministic per (issue, recipient), and unguessable.

``<issue-3.10.k7x2m9q4w1fz@example.org>``: the issue, the recipient's subscriber id and
an HMAC of both under the secret key. The same recipient of the same issue always gets
the same Message-ID (a message sent twice after a crash is recognisable as one; a
preview shows exactly what is sent), and nobody without the key can make the
Message-ID of someone else's delivery: a bounce that quotes one proves it is about a
message we sent (``verify`` checks it).

A snapshot makes one per recipient: the HMAC's inner and outer hash states under the
key are computed once (RFC 2104), each Message-ID copies them and hashes only its
"issue.subscriber"; the 12 characters are the base 32 of the digest's first 60 bits,
read from a table (``base64.b32encode`` is slow pure Python). Same bytes as
``base64.b32encode(hmac.digest(key, …, "sha256"))[:12].lower()`` (a test compares them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from email.utils import parseaddr
from functools import lru_cache

from newsletter.config import Settings
from newsletter.keyed_hash import KeyStates, key_states, keyed

#: the signature: 12 characters of base 32 (60 bits)
_FORM = re.compile(r"^<?issue-(\d{1,12})\.(\d{1,12})\.([a-z2-7]{12})@([^<>@\s]+)>?$", re.I)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648's base 32, lower case
#: every 10 bits as their two base-32 characters
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)


@lru_cache(maxsize=16)
def _domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2] or "newsletter.invalid"


@lru_cache(maxsize=16)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"newsletter.message-id\0" + secret.encode("utf-8")).digest()


def _states(secret: str) -> KeyStates:
    """The hash states of the Message-IDs' HMAC-SHA256 under the secret key."""
    return key_states(_key(secret), "sha256")


def _mac(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    return _signature(_states(settings.secret), f"{issue_id}.{subscriber_id}".encode())


def _signature(states: KeyStates, message: bytes) -> str:
    """The first 12 characters of the lower-case base 32 of HMAC-SHA256(key, message):
    ``base64.b32encode(hmac.digest(key, message, "sha256"))[:12].lower()``, from the key's
    hash states and the digest's first 60 bits."""
    bits = int.from_bytes(keyed(states, message).digest()[:8], "big") >> 4
    pairs = _PAIRS
    return (
        pairs[bits >> 50] + pairs[(bits >> 40) & 1023] + pairs[(bits >> 30) & 1023]
        + pairs[(bits >> 20) & 1023] + pairs[(bits >> 10) & 1023] + pairs[bits & 1023]
    )  # fmt: skip


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """``<issue-I.S.MAC@domain>`` with the domain of the FROM address."""
    mac = _mac(settings, issue_id, subscriber_id)
    return f"<issue-{issue_id}.{subscriber_id}.{mac}@{_domain(settings.from_address)}>"


class IssueMessageIds:
    """``message_id`` of one issue for many recipients (a snapshot): the key's hash
    states, the prefix and the domain looked up once."""

    __slots__ = ("_prefix", "_states", "_suffix")

    def __init__(self, settings: Settings, issue_id: int) -> None:
        self._states = _states(settings.secret)
        self._prefix = f"{issue_id}."
        self._suffix = f"@{_domain(settings.from_address)}>"

    def __call__(self, subscriber_id: int) -> str:
        """``message_id(settings, issue_id, subscriber_id)``."""
        text = self._prefix + str(subscriber_id)
        mac = _signature(self._states, text.encode("ascii"))
        return "<issue-" + text + "." + mac + self._suffix


def verify(settings: Settings, value: str) -> tuple[int, int] | None:
    """(issue id, subscriber id) of a Message-ID we made, or None (a guessed or an old,
    unsigned one included)."""
    match = _FORM.match(value.strip())
    if match is None:
        return None
    issue_id, subscriber_id = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(match.group(3).lower(), _mac(settings, issue_id, subscriber_id)):
        return None
    return issue_id, subscriber_id
