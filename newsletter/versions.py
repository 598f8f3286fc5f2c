"""Content in two languages: one record, two language versions, and which one a reader gets.

A record people write (news item, issue, assembly, issue annex) keeps its original
language in ``language`` and that version in its own columns; the other language's
version sits in ``translations`` as ``{"nl": {"title": …, "body_html": …}}`` (only the
fields given). A version exists when its key field (the title; the label of an annex) is
not empty.

A reader gets the version in their language; when it is missing, the other one with a
short visible note (``fallback_note``). Inside a version, a field left empty (a place, an
image description) falls back to the other version's. Every door and every output (the
e-mail, web version, archive, feeds, calendar, print edition) chooses through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from newsletter.errors import ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Msg
from newsletter.text import one_line

#: the fields with a version per language, per kind of record
NEWS_FIELDS = ("title", "body_html", "body_source", "link_text", "image_alt", "event_place")
ISSUE_FIELDS = ("title", "introduction")
ASSEMBLY_FIELDS = ("title", "theme", "place", "agenda", "speakers")
ANNEX_FIELDS = ("label",)

#: the approval of the previous PV put first on an AG's agenda, per language (content,
#: not interface: it is a point of the agenda as written)
PV_APPROVAL = {
    "fr": "Approbation du procès-verbal de l'AG du {day}",
    "nl": "Goedkeuring van het verslag van de AV van {day}",
}

#: the note shown above content given in the other language, by that language
FALLBACK_NOTES = {
    "fr": N_("This item is only available in French."),
    "nl": N_("This item is only available in Dutch."),
}
#: "NL manquant": what the composer marks on an item without that version
MISSING = N_("{code} missing")
UNKNOWN_LANGUAGE = N_("Unknown language “{code}”: use fr (French) or nl (Dutch).")


class Versioned(Protocol):
    """A record with an original language and the other language's version."""

    translations: dict[str, Any]

    @property
    def language(self) -> Any: ...


def check_language(code: object) -> str:
    """``fr`` or ``nl`` (any case, spaces trimmed); anything else is refused."""
    value = str(getattr(code, "value", code) or "").strip().lower()
    if value not in LANGUAGES:
        raise ValidationError(UNKNOWN_LANGUAGE, code=one_line(str(code), 20))
    return value


def other_language(lang: str) -> str:
    return next(code for code in LANGUAGES if code != lang)


def original_language(record: Versioned) -> str:
    value = str(getattr(record.language, "value", record.language) or "")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def field_in(record: Versioned, name: str, lang: str) -> Any:
    """The value of ``name`` in ``lang``'s version as stored ("" or [] when missing)."""
    if lang == original_language(record):
        return getattr(record, name)
    version = (record.translations or {}).get(lang) or {}
    value = version.get(name)
    if value is None:
        return [] if isinstance(getattr(record, name), list) else ""
    return value


def has_version(record: Versioned, lang: str, key: str = "title") -> bool:
    value = field_in(record, key, lang)
    return bool(value.strip() if isinstance(value, str) else value)


def languages(record: Versioned, key: str = "title") -> list[str]:
    """The languages the record has a version in, French first."""
    return [lang for lang in LANGUAGES if has_version(record, lang, key)]


def shown_language(record: Versioned, reader: str, key: str = "title") -> str:
    """The language of the version a reader of ``reader`` gets."""
    if has_version(record, reader, key):
        return reader
    if has_version(record, original_language(record), key):
        return original_language(record)
    return next((lang for lang in LANGUAGES if has_version(record, lang, key)), reader)


def pick(record: Versioned, name: str, lang: str) -> Any:
    """``name`` in ``lang``'s version, or the other version's when that field is empty."""
    value = field_in(record, name, lang)
    if value:
        return value
    return field_in(record, name, other_language(lang))


@dataclass(frozen=True)
class Chosen:
    """The version a reader gets: its language, and whether it is the fallback."""

    language: str
    fallback: bool


def choose(record: Versioned, reader: str, key: str = "title") -> Chosen:
    lang = shown_language(record, reader, key)
    return Chosen(lang, lang != reader)


def fallback_note(lang: str) -> str:
    """Message id of the note shown when the content is only in ``lang``."""
    return FALLBACK_NOTES[lang]


def set_version(
    record: Versioned, lang: str, values: dict[str, Any], fields: Iterable[str]
) -> None:
    """Store the ``lang`` version's ``values`` (only the names of ``fields``): in the
    columns for the original language, in ``translations`` otherwise. An empty value
    clears that field of the other version."""
    lang = check_language(lang)
    allowed = set(fields)
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not a field with versions: {sorted(unknown)}")
    if lang == original_language(record):
        for name, value in values.items():
            setattr(record, name, value)
        return
    translations = {k: dict(v) for k, v in (record.translations or {}).items()}
    version = translations.get(lang, {})
    for name, value in values.items():
        if value:
            version[name] = value
        else:
            version.pop(name, None)
    if version:
        translations[lang] = version
    else:
        translations.pop(lang, None)
    record.translations = translations  # a new dict: the JSON column sees the change


RELABEL_CLASH = N_(
    "The text cannot be marked {code}: there is a {code} version already. Remove it first."
)


def relabel_original(record: Versioned, lang: str) -> None:
    """Say the original version is in ``lang`` (it was marked wrongly); refused when
    ``lang`` has a version of its own already."""
    lang = check_language(lang)
    if lang == original_language(record):
        return
    if (record.translations or {}).get(lang):
        raise ValidationError(RELABEL_CLASH, code=lang.upper())
    record.language = type(record.language)(lang) if not isinstance(record.language, str) else lang  # type: ignore[misc]


def drop_version(record: Versioned, lang: str) -> None:
    translations = dict(record.translations or {})
    translations.pop(lang, None)
    record.translations = translations


_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
_LINK = re.compile(r"<a\b[^>]*\bhref=", re.IGNORECASE)

STRUCTURE_IMAGES = N_("The {lang} version has {count} image(s), the {other} version {other_count}.")
STRUCTURE_LINKS = N_("The {lang} version has {count} link(s), the {other} version {other_count}.")


def structure_flags(record: Versioned, field: str = "body_html") -> list[Msg]:
    """What differs in structure between the two versions of an HTML field (images,
    links): accepted, shown to the coordinator."""
    present = languages(record)
    if len(present) < 2:
        return []
    first, second = present
    one, two = str(field_in(record, field, first)), str(field_in(record, field, second))
    flags = []
    for pattern, msgid in ((_IMAGE, STRUCTURE_IMAGES), (_LINK, STRUCTURE_LINKS)):
        a, b = len(pattern.findall(one)), len(pattern.findall(two))
        if a != b:
            flags.append(Msg(msgid, {"lang": second.upper(), "count": b,
                                     "other": first.upper(), "other_count": a}))  # fmt: skip
    return flags


def missing_count(records: Iterable[Versioned], lang: str, key: str = "title") -> int:
    """How many of ``records`` have no ``lang`` version."""
    return sum(1 for record in records if not has_version(record, lang, key))
