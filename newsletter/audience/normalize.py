"""Normalising what people type: names, header cells, slugs, memberships, languages."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newsletter.models import Language, Membership


def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: for comparisons only."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@lru_cache(maxsize=16384)
def name_key(name: str) -> str:
    """Case- and accent-insensitive key of an organisation name."""
    return re.sub(r"[^a-z0-9]+", " ", fold(name)).strip()


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """``Santé mentale`` → ``sante-mentale``."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


_MEMBERSHIP = {
    Membership.full: {"effectif", "effective", "membre effectif", "effectief", "effectief lid",
                      "full", "full member", "e"},
    Membership.associate: {"adherent", "membre adherent", "associe", "aangesloten",
                           "aangesloten lid", "toegetreden lid", "associate", "a"},
    Membership.none: {"", "none", "aucun", "aucune", "non", "non membre", "geen", "nee", "-",
                      "no", "public"},
}  # fmt: skip
_LANGUAGE = {
    Language.fr: {"fr", "fra", "fre", "francais", "french", "frans", "f", "fr be", "fr-be"},
    Language.nl: {"nl", "nld", "dut", "nederlands", "neerlandais", "dutch", "vlaams", "n",
                  "nl be", "nl-be", "flamand"},
}  # fmt: skip


@lru_cache(maxsize=256)
def parse_membership(value: str) -> Membership | None:
    """The membership a cell means, or None when it means nothing known."""
    folded = fold(value).strip(" .")
    for membership, spellings in _MEMBERSHIP.items():
        if folded in spellings:
            return membership
    return None


@lru_cache(maxsize=256)
def parse_language(value: str) -> Language | None:
    folded = fold(value).strip(" .")
    for language, spellings in _LANGUAGE.items():
        if folded in spellings:
            return language
    return None


def split_tags(value: str) -> list[str]:
    """A cell of groups or roles (``,``, ``;`` or ``|`` separated) → sorted unique slugs."""
    return list(_split_tags(value))


@lru_cache(maxsize=1024)
def _split_tags(value: str) -> tuple[str, ...]:
    parts = re.split(r"[,;|\n]", value)
    return tuple(sorted({slug(part) for part in parts if slug(part)}))
