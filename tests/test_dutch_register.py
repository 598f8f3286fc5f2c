"""The Dutch texts address the reader in one form: the formal "u" of a public network.

A Dutch message that says "je", "jij", "jou", "jouw" or "jullie" (as words, not inside
"jeugd" or "bijeen") fails here, in every catalogue and in the Dutch demo content.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from newsletter import demo

ROOT = Path(__file__).resolve().parent.parent
INFORMAL = re.compile(
    r"(?<![\w'’-])(je|jij|jou|jouw|jouwe|jullie|jezelf|jijzelf)(?![\w'’-])", re.IGNORECASE
)


def informal_words(text: str) -> list[str]:
    return [match.group(1) for match in INFORMAL.finditer(text)]


def test_the_check_finds_the_informal_words_only() -> None:
    assert informal_words("Heb je je ingeschreven? Jouw team, jullie naam, jij.") == [
        "je", "je", "Jouw", "jullie", "jij",
    ]  # fmt: skip
    formal = "De jeugdwerking van Jette komt bijeen; u kunt uw jeton en uzelf inschrijven."
    assert informal_words(formal) == []
    assert informal_words("Team-je, Jean-Jacques, l'je") == []


def _strings(message: Any) -> list[str]:
    value = message.string
    return [s for s in (value if isinstance(value, tuple) else (value,)) if s]


def test_dutch_catalogues_say_u() -> None:
    catalogues = sorted((ROOT / "newsletter" / "locale" / "nl" / "LC_MESSAGES").glob("*.po"))
    assert len(catalogues) > 5
    checked = 0
    found = []
    for po in catalogues:
        with po.open("rb") as handle:
            for message in read_po(handle):
                for text in _strings(message):
                    checked += 1
                    if informal_words(text):
                        found.append(f"{po.name}:{message.lineno}: {text}")
    assert checked > 500
    assert found == []


def _dutch_demo_texts() -> list[str]:
    texts = []
    for news in demo.NEWS:
        version = news.get("other") if news.get("language", "fr") == "fr" else news
        for value in (version or {}).values():
            if isinstance(value, str):
                texts.append(value)
    return texts


def test_dutch_demo_content_says_u() -> None:
    texts = _dutch_demo_texts()
    assert any("spullen" in text for text in texts)
    assert [t for t in texts if informal_words(t)] == []
