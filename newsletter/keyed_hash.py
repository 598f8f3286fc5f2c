"""HMAC (RFC 2104) from hash states computed once per key.

A send signs thousands of short values a second under a handful of keys: the signed
links (HMAC-SHA1, as itsdangerous), the VERP envelope senders and the Message-IDs
(HMAC-SHA256). ``hmac.digest`` pads and hashes the key again on every call; here the
hash after the key XOR ipad and the hash after the key XOR opad are made once per key,
and each value copies them: the same digest, about half the cost.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

_IPAD = bytes.maketrans(bytes(range(256)), bytes(x ^ 0x36 for x in range(256)))
_OPAD = bytes.maketrans(bytes(range(256)), bytes(x ^ 0x5C for x in range(256)))

#: the inner and the outer hash of one key (``hashlib`` objects, copied per value)
KeyStates = tuple[Any, Any]


@lru_cache(maxsize=64)
def key_states(key: bytes, algorithm: str) -> KeyStates:
    """The hashes of ``algorithm`` (``"sha1"``, ``"sha256"``) already fed with the key
    XOR ipad and with the key XOR opad, the key first padded to the hash's block (or
    hashed, when longer than a block)."""
    block = hashlib.new(algorithm).block_size
    if len(key) > block:
        key = hashlib.new(algorithm, key).digest()
    key = key.ljust(block, b"\0")
    return hashlib.new(algorithm, key.translate(_IPAD)), hashlib.new(
        algorithm, key.translate(_OPAD)
    )


def keyed(states: KeyStates, message: bytes) -> Any:
    """The finished outer hash of HMAC(key, ``message``): its ``digest()`` is
    ``hmac.digest(key, message, algorithm)``."""
    inner = states[0].copy()
    inner.update(message)
    outer = states[1].copy()
    outer.update(inner.digest())
    return outer
