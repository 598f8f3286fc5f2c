"""Addresses that look mistyped: ``gmial.com``, ``hotmail.co``, ``skynet.bee``…

Compared with the mail providers people of the network actually use; a domain one or
two letters away from one of them (and not itself one) is flagged. Flagged only: the
address is imported, the coordinator checks it.
"""

from __future__ import annotations

from functools import lru_cache

PROVIDERS = (
    "gmail.com", "hotmail.com", "hotmail.be", "hotmail.fr", "outlook.com", "outlook.be",
    "outlook.fr", "live.be", "live.com", "live.fr", "yahoo.com", "yahoo.fr", "icloud.com",
    "skynet.be", "telenet.be", "proximus.be", "scarlet.be", "voo.be", "gmx.com", "gmx.net",
    "msn.com", "me.com", "protonmail.com", "proton.me", "orange.fr", "free.fr",
)  # fmt: skip
_KNOWN = frozenset(PROVIDERS)


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopping past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=4096)
def suggest_domain(domain: str) -> str | None:
    domain = domain.casefold()
    if domain in _KNOWN or domain.count(".") > 1 or len(domain) > 18:
        return None  # every provider is name.tld: an organisation's own domain is left alone
    best: tuple[int, str] | None = None
    for known in PROVIDERS:
        distance = _distance(domain, known, 2)
        if distance <= (1 if len(known) < 8 else 2) and (best is None or distance < best[0]):
            best = (distance, known)
    return best[1] if best else None


def suspicious_address(email: str) -> str | None:
    """The address it was probably meant to be, or None when it looks fine."""
    local, _, domain = email.rpartition("@")
    suggestion = suggest_domain(domain)
    return f"{local}@{suggestion}" if suggestion else None
