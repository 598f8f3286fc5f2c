"""Which lists a message was written to, and the identity headers of a list.

A message is a post of a list when one of its recipients is the list's posting
address: the envelope recipients when the MTA pipe gives them (``intake eml -
--recipient ADDR``), otherwise the headers the receiving server adds
(``Delivered-To``, ``X-Original-To``), otherwise ``To`` and ``Cc``. Sub-addresses
(``gt-logement+anything@``) count as the address. Routing decides nothing else: who
may post is the moderation's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import Message

from newsletter.audience.segments import Segment
from newsletter.intake.mail.headers import addresses, clean_address


def _key(address: str) -> str:
    local, _, domain = clean_address(address).casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else ""


def posting_addresses(segments: Mapping[str, Segment]) -> dict[str, str]:
    """Posting address → list id, for the lists that take posts."""
    return {s.posting.address: list_id for list_id, s in segments.items() if s.posting}


def addressed_lists(
    segments: Mapping[str, Segment], message: Message, envelope: Sequence[str] = ()
) -> list[str]:
    """The ids of the lists this message was written to, in the order they appear."""
    owners = posting_addresses(segments)
    if not owners:
        return []
    if envelope:
        candidates = [clean_address(a) for a in envelope]
    else:
        candidates = addresses(message, "Delivered-To", "X-Original-To")
        if not any(_key(a) in owners for a in candidates):
            candidates = addresses(message, "To", "Cc")
    found: list[str] = []
    for address in candidates:
        list_id = owners.get(_key(address))
        if list_id is not None and list_id not in found:
            found.append(list_id)
    return found


def list_id_value(segment: Segment) -> str:
    """The ``List-Id`` (RFC 2919) of a list: its title and ``local.domain`` of its address."""
    assert segment.posting is not None
    local, _, domain = segment.posting.address.partition("@")
    title = segment.title_in("fr").replace('"', "").replace("\\", "")
    return f'"{title}" <{local}.{domain}>'


def list_id_token(segment: Segment) -> str:
    """The part of ``List-Id`` between angle brackets, what a loop check compares."""
    assert segment.posting is not None
    local, _, domain = segment.posting.address.partition("@")
    return f"{local}.{domain}"
