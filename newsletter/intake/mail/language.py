"""French or Dutch? A guess from the most common words, for senders we do not know."""

from __future__ import annotations

import re

from newsletter.models import Language

_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœ']+")
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "un",
        "une",
        "et",
        "est",
        "pour",
        "dans",
        "avec",
        "sur",
        "au",
        "aux",
        "nous",
        "vous",
        "qui",
        "que",
        "pas",
        "sont",
        "cette",
        "ce",
        "ces",
        "notre",
        "votre",
        "bonjour",
        "merci",
    ]
)
_DUTCH = frozenset(
    [
        "het",
        "een",
        "is",
        "voor",
        "van",
        "met",
        "op",
        "wij",
        "jullie",
        "die",
        "dat",
        "niet",
        "zijn",
        "deze",
        "onze",
        "uw",
        "goedendag",
        "hallo",
        "dank",
        "bedankt",
        "ook",
        "naar",
    ]
)


def guess_language(text: str, *, default: Language = Language.fr) -> Language:
    words = _WORD.findall(text.lower()[:20000])
    french = sum(1 for w in words if w in _FRENCH)
    dutch = sum(1 for w in words if w in _DUTCH)
    if dutch > french * 1.5 and dutch >= 3:
        return Language.nl
    if french > dutch * 1.5 and french >= 3:
        return Language.fr
    return default
