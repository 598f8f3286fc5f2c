"""Deterministic identifiers of what we send: the Message-ID of (issue, recipient).

The same recipient of the same issue always gets the same Message-ID, so a message
sent twice (the bounded window of a crash, see ``worker``) is recognisable as one. The
format is the rendering stage's (``render.preview.message_id``, checked equal by a
test), so that a preview shows exactly what is sent; this version parses the FROM
address once instead of once per recipient (the snapshot makes 100,000 of them).
"""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from newsletter.config import Settings


@lru_cache(maxsize=16)
def _domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2] or "newsletter.invalid"


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """``<issue-I.S@domain>`` with the domain of the FROM address."""
    return f"<issue-{issue_id}.{subscriber_id}@{_domain(settings.from_address)}>"
