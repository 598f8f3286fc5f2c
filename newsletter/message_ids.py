"""Message-IDs of what we send: deterministic per (issue, recipient), and unguessable.

``<issue-3.10.k7x2m9q4w1fz@example.org>``: the issue, the recipient's subscriber id and
an HMAC of both under the secret key. The same recipient of the same issue always gets
the same Message-ID (a message sent twice after a crash is recognisable as one; a
preview shows exactly what is sent), and nobody without the key can make the
Message-ID of someone else's delivery: a bounce that quotes one proves it is about a
message we sent (``verify`` checks it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from email.utils import parseaddr
from functools import lru_cache

from newsletter.config import Settings

#: characters of the signature (base 32, 60 bits)
_MAC_SIZE = 12
_FORM = re.compile(r"^<?issue-(\d{1,12})\.(\d{1,12})\.([a-z2-7]{12})@([^<>@\s]+)>?$", re.I)


@lru_cache(maxsize=16)
def _domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2] or "newsletter.invalid"


@lru_cache(maxsize=16)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"newsletter.message-id\0" + secret.encode("utf-8")).digest()


def _mac(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    digest = hmac.digest(_key(settings.secret), f"{issue_id}.{subscriber_id}".encode(), "sha256")
    return base64.b32encode(digest).decode("ascii")[:_MAC_SIZE].lower()


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """``<issue-I.S.MAC@domain>`` with the domain of the FROM address."""
    mac = _mac(settings, issue_id, subscriber_id)
    return f"<issue-{issue_id}.{subscriber_id}.{mac}@{_domain(settings.from_address)}>"


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
