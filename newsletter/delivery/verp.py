"""VERP envelope senders: a bounce names the delivery it is about.

With ``BOUNCE_ADDRESS=bounces@example.org`` the message to delivery 1234 leaves with
envelope sender (hence ``Return-Path``) ``bounces+ya-5f0c2e9a71b3@example.org``:
``ya`` is the delivery id in base 36 and the rest an HMAC of it under the secret key,
so a bounce can be matched to its delivery and nobody can forge a token that would
mark another subscriber as bounced. Without a bounce address the FROM address is used
untagged.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from email.utils import parseaddr
from functools import lru_cache

from newsletter.config import Settings

_DIGITS = string.digits + string.ascii_lowercase
_MAC_SIZE = 12


def _base36(number: int) -> str:
    if number == 0:
        return "0"
    out = []
    while number:
        number, rest = divmod(number, 36)
        out.append(_DIGITS[rest])
    return "".join(reversed(out))


@lru_cache(maxsize=16)
def _keyed(secret: str) -> hmac.HMAC:
    """The HMAC keyed with ``secret`` (copied per address: the key is hashed once)."""
    return hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)


def _mac(settings: Settings, delivery_id: int) -> str:
    mac = _keyed(settings.secret).copy()
    mac.update(f"verp:{delivery_id}".encode())
    return mac.hexdigest()[:_MAC_SIZE]


def _base_address(settings: Settings) -> str:
    return _addr_spec(settings.bounce_address)


@lru_cache(maxsize=16)
def _addr_spec(address: str) -> str:
    return parseaddr(address)[1]


def envelope_sender(settings: Settings, delivery_id: int) -> str:
    """The MAIL FROM address of one delivery."""
    base = _base_address(settings)
    if not base or "@" not in base:
        return _addr_spec(settings.from_address)
    local, _, domain = base.rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{_base36(delivery_id)}-{_mac(settings, delivery_id)}@{domain}"


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
    if not hmac.compare_digest(mac, _mac(settings, delivery_id)):
        return None
    return delivery_id
