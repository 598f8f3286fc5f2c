"""HMAC from key states computed once: the same digest as ``hmac.digest``."""

from __future__ import annotations

import hmac

import pytest

from newsletter.keyed_hash import key_states, keyed


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_the_digest_is_hmacs_for_every_key_length(algorithm: str) -> None:
    for length in (0, 1, 32, 63, 64, 65, 200):  # shorter, as long as, longer than a block
        key = bytes(range(length))
        states = key_states(key, algorithm)
        for message in (b"", b"verp:12345", b"x" * 1000):
            assert keyed(states, message).digest() == hmac.digest(key, message, algorithm)
    # the states are not changed by use: the same value twice gives the same digest
    states = key_states(b"secret", algorithm)
    assert keyed(states, b"a").digest() == keyed(states, b"a").digest()
