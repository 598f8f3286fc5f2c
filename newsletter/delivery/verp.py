"""VERP envelope senders: a bounce names the delivery it is about.

With ``BOUNCE_ADDRESS=bounces@example.org`` the message to delivery 1234 leaves with
envelope sender (hence ``Return-Path``) ``bounces+ya-5f0c2e9a71b3@example.org``:
``ya`` is the delivery id in base 36 and the rest an HMAC of it under the secret key,
so a bounce can be matched to its delivery and nobody can forge a token that would
mark another subscriber as bounced. Without a bounce address the FROM address is used
untagged.
"""

from __future__ import annotations

import hmac
import string
from email.utils import parseaddr
from functools import lru_cache

from newsletter.config import Settings
from newsletter.keyed_hash import KeyStates, key_states, keyed

_DIGITS = string.digits + string.ascii_lowercase
_MAC_SIZE = 12


#: every number below 36² in two base-36 digits (a number is written two digits a step)
_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]


def _base36(number: int) -> str:
    if number < 1296:
        return _PAIRS[number].lstrip("0") or "0"
    out = ""
    while number:
        number, rest = divmod(number, 1296)
        out = _PAIRS[rest] + out
    return out.lstrip("0")


def _states(settings: Settings) -> KeyStates:
    """The hash states of the VERP addresses' HMAC-SHA256 under the secret key."""
    return key_states(settings.secret.encode("utf-8"), "sha256")


def _mac(states: KeyStates, delivery_id: int) -> str:
    return str(keyed(states, b"verp:%d" % delivery_id).hexdigest()[:_MAC_SIZE])


def _base_address(settings: Settings) -> str:
    return _addr_spec(settings.bounce_address)


@lru_cache(maxsize=16)
def _addr_spec(address: str) -> str:
    return parseaddr(address)[1]


def envelope_sender(settings: Settings, delivery_id: int) -> str:
    """The MAIL FROM address of one delivery."""
    return EnvelopeSenders(settings)(delivery_id)


class EnvelopeSenders:
    """``envelope_sender`` for the deliveries of one send: the bounce address taken apart
    and the HMAC keyed once, so that each delivery costs its MAC and its digits only."""

    __slots__ = ("_head", "_plain", "_states", "_tail")

    def __init__(self, settings: Settings) -> None:
        base = _base_address(settings)
        #: without a bounce address every delivery has the From address
        self._plain = None if base and "@" in base else _addr_spec(settings.from_address)
        local, _, domain = base.rpartition("@")
        self._head = local.split("+", 1)[0] + "+"
        self._tail = "@" + domain
        self._states = _states(settings)

    def __call__(self, delivery_id: int) -> str:
        if self._plain is not None:
            return self._plain
        # HMAC-SHA256 from the key's two hash states (``keyed_hash``)
        return f"{self._head}{_base36(delivery_id)}-{_mac(self._states, delivery_id)}{self._tail}"


def delivery_id_from_address(settings: Settings, address: str) -> int | None:
    """The delivery id carried by a VERP address, or None if it is not a valid one of ours."""
    base = _base_address(settings)
    address = parseaddr(address)[1] or address
    if not base or "@" not in base or "@" not in address:
        return None
    base_local, _, base_domain = base.rpartition("@")
    local, _, domain = address.rpartition("@")
    if domain.lower() != base_domain.lower():
        return None
    prefix, plus, token = local.partition("+")
    if not plus or prefix.lower() != base_local.split("+", 1)[0].lower():
        return None
    id_part, dash, mac = token.lower().partition("-")
    if not dash or not id_part or any(c not in _DIGITS for c in id_part) or len(id_part) > 12:
        return None
    delivery_id = int(id_part, 36)
    if not hmac.compare_digest(mac, _mac(_states(settings), delivery_id)):
        return None
    return delivery_id
