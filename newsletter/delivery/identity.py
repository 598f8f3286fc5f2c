"""Deterministic identifiers of what we send: the Message-ID of (issue, recipient).

The same recipient of the same issue always gets the same Message-ID, so a message
sent twice (the bounded window of a crash, see ``worker``) is recognisable as one.
"""

from __future__ import annotations

import hashlib
import hmac
from email.utils import parseaddr

from newsletter.config import Settings


def sender_domain(settings: Settings) -> str:
    """Domain of the FROM address (``example.org`` for ``News <news@example.org>``)."""
    address = parseaddr(settings.from_address)[1]
    return address.rpartition("@")[2] or "localhost"


def _digest(settings: Settings, purpose: str, text: str, size: int) -> str:
    key = settings.secret.encode("utf-8")
    mac = hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256)
    return mac.hexdigest()[:size]


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """``<issue-I.S.HASH@domain>``: unique per (issue, subscriber), stable across retries."""
    tag = _digest(settings, "message-id", f"{issue_id}.{subscriber_id}", 12)
    return f"<issue-{issue_id}.{subscriber_id}.{tag}@{sender_domain(settings)}>"
