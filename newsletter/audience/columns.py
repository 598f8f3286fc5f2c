"""Which column of a directory spreadsheet holds which field, recognised by its words.

A header is cut into words (accents, case and punctuation ignored, plurals reduced), so
"Service/Association", "Nom de l'association / Vereniging", "Adresse électronique (pro)",
"MANDATAIRES", "Représentant·e(s)" or "Taal / Langue" all find their field. The strongest
word wins; between equals, the word that comes first in the header. The coordinator can
change any match (``--map "HEADER=field"`` or the console's matching page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from newsletter.audience.normalize import fold, name_key
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg

#: the fields a directory row can fill, in the order the reports show them
FIELDS = (
    "organisation", "membership", "name", "first_name", "email", "language", "groups",
    "roles", "sector", "website",
)  # fmt: skip
#: without these the import still runs, but says so before writing anything
EXPECTED = ("organisation", "membership", "email")
#: spellings that mean "leave this column out" in ``--map``
IGNORE = {"", "-", "none", "null", "ignore", "ignored", "ignorer", "negeren"}

# field → {word or phrase (already folded and reduced): weight}
_KEYWORDS: dict[str, dict[str, int]] = {
    "organisation": {
        "organisation": 3, "organization": 3, "organisatie": 3, "organisme": 3,
        "association": 3, "asbl": 3, "vzw": 3, "vereniging": 3, "structure": 3,
        "institution": 3, "instelling": 3, "service": 3, "dienst": 3, "partenaire": 2,
        "partner": 2, "membre": 1, "lid": 1, "employeur": 2, "werkgever": 2,
    },
    "membership": {
        "membership": 3, "lidmaatschap": 3, "statut": 2, "statuut": 2, "qualite": 3,
        "type de membre": 4, "type membre": 4, "membre type": 4, "type lid": 4,
        "soort lid": 4, "member type": 4, "type of member": 4, "categorie de membre": 4,
        "effectif": 3, "adherent": 3, "effectief": 3, "aangesloten": 3,
    },
    "name": {
        "nom": 2, "naam": 2, "name": 2, "mandataire": 2, "mandataris": 2,
        "representant": 2, "representative": 2, "vertegenwoordiger": 2, "contact": 1,
        "contactpersoon": 2, "personne": 1, "persoon": 1, "personne de contact": 2,
        "full name": 3, "nom complet": 3, "volledige naam": 3, "nom de famille": 3,
        "familienaam": 3, "achternaam": 3, "last name": 3, "surname": 3,
    },
    "first_name": {"prenom": 3, "voornaam": 3, "first name": 4, "given name": 4},
    "email": {
        "email": 3, "mail": 3, "courriel": 3, "emailadres": 3, "mailadres": 3, "mel": 2,
        "electronique": 3, "elektronisch": 3, "adresse electronique": 4,
    },
    "language": {"langue": 3, "taal": 3, "language": 3, "lang": 3, "idioma": 3},
    "groups": {
        "groupe": 3, "groep": 3, "groepen": 3, "werkgroep": 3, "werkgroepen": 3, "gt": 3,
        "group": 3, "working group": 4, "groupe de travail": 4, "commission": 2,
    },
    "roles": {"role": 3, "rol": 3, "rollen": 3, "fonction": 3, "functie": 3, "mandat": 2},
    "sector": {"secteur": 3, "sector": 3, "sectoren": 3, "domaine": 3, "domein": 3},
    "website": {
        "site": 3, "website": 3, "webstek": 3, "url": 3, "web": 3, "internet": 2,
        "site web": 4, "site internet": 4,
    },
}  # fmt: skip
#: headers that look like a field but are not one (our own export's status column)
_NOT_FIELDS = {"status", "consent source", "consent", "consentement", "toestemming"}


def words(header: str) -> list[str]:
    """The words of a header, folded, with one-letter bits (``·e(s)``) and plurals removed."""
    return [_reduce(word) for word in re.split(r"[^a-z0-9]+", fold(header)) if len(word) > 1]


def _reduce(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx" and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


_PHRASES: dict[str, list[tuple[tuple[str, ...], str, int]]] = {}
for _field, _spellings in _KEYWORDS.items():
    for _spelling, _weight in _spellings.items():
        _key = tuple(words(_spelling))
        _PHRASES.setdefault(_key[0], []).append((_key, _field, _weight))


def match_header(header: str) -> str | None:
    """The field a header means, or None when none of its words names one."""
    found = words(header)
    if not found or " ".join(found) in _NOT_FIELDS:
        return None
    best: tuple[int, int, str] | None = None  # (-weight, position, field)
    for position, word in enumerate(found):
        for phrase, field_name, weight in _PHRASES.get(word, ()):
            if tuple(found[position : position + len(phrase)]) == phrase:
                candidate = (-weight, position, field_name)
                if best is None or candidate < best:
                    best = candidate
    return best[2] if best else None


@dataclass
class ColumnMatch:
    """The header cells of a file and the field each one fills (None: ignored)."""

    headers: list[str]
    fields: list[str | None]
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, str | None]:
        """``header → field or None``; a repeated or empty header gets its position."""
        result: dict[str, str | None] = {}
        for index, (header, field_name) in enumerate(zip(self.headers, self.fields, strict=True)):
            label = header or f"#{index + 1}"
            if label in result:
                label = f"{label} (#{index + 1})"
            result[label] = field_name
        return result

    @property
    def ignored(self) -> list[str]:
        pairs = zip(self.headers, self.fields, strict=True)
        return [h or f"#{i + 1}" for i, (h, f) in enumerate(pairs) if not f]

    def index(self) -> dict[int, str]:
        return {i: f for i, f in enumerate(self.fields) if f}

    def signature(self) -> str:
        """The same headers give the same signature: remembering a matching by it."""
        return "|".join(name_key(header) for header in self.headers)

    def missing_messages(self) -> list[Msg]:
        return [Msg(_MISSING[name]) for name in self.missing]


_MISSING = {
    "organisation": N_(
        "No organisation column found: every person will be imported without an "
        "organisation (and so in no membership list)."
    ),
    "membership": N_(
        "No membership column found: the organisations' membership (effectif, adhérent) "
        "will not be set or changed."
    ),
    "email": N_("No e-mail column found."),
}


def parse_overrides(items: Sequence[str]) -> dict[str, str | None]:
    """``["Colonne X=email", "Notes="]`` → ``{"colonne x": "email", "notes": None}``."""
    result: dict[str, str | None] = {}
    for item in items:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip():
            raise ValidationError(
                N_("'{item}' is not HEADER=field (fields: {fields})."),
                item=item,
                fields=", ".join(FIELDS),
            )
        result[name_key(header)] = check_field(target)
    return result


def check_field(target: str) -> str | None:
    value = target.strip().lower()
    if value in IGNORE:
        return None
    if value not in FIELDS:
        raise ValidationError(
            N_("Unknown field '{field}' (fields: {fields}, or nothing to ignore the column)."),
            field=target,
            fields=", ".join(FIELDS),
        )
    return value


def match_columns(
    header: Sequence[str], overrides: Mapping[str, str | None] | None = None
) -> ColumnMatch:
    """Match every header cell; ``overrides`` (keyed by ``name_key`` of the header, or
    ``#N`` for the Nth column) win. A field already taken leaves later columns ignored."""
    overrides = dict(overrides or {})
    headers = [cell.strip() for cell in header]
    fields: list[str | None] = []
    keys = [name_key(cell) for cell in headers]
    unknown = [
        key
        for key in overrides
        if key not in keys and not (key.startswith("#") and key[1:].isdigit())
    ]
    if unknown:
        raise ValidationError(
            N_("No column '{header}' in the file. Columns read: {columns}"),
            header=unknown[0],
            columns=", ".join(h for h in headers if h),
        )
    taken: set[str] = set()
    forced = {v for v in overrides.values() if v}
    for index, (cell, key) in enumerate(zip(headers, keys, strict=True)):
        position = f"#{index + 1}"
        if position in overrides:
            chosen = overrides[position]
        elif key in overrides:
            chosen = overrides[key]
        else:
            chosen = match_header(cell)
            if chosen in forced:
                chosen = None  # the coordinator gave this field to another column
        if chosen in taken:
            chosen = None
        if chosen:
            taken.add(chosen)
        fields.append(chosen)
    missing = [name for name in EXPECTED if name not in taken]
    return ColumnMatch(headers=headers, fields=fields, missing=missing)


def header_score(cells: Sequence[str]) -> int:
    """How many distinct fields a row's cells name: finds the header below a title."""
    return len({match_header(cell) for cell in cells if cell.strip()} - {None})


#: what each field is called for the coordinator
FIELD_LABELS = {
    "organisation": N_("Organisation"),
    "membership": N_("Membership"),
    "name": N_("Name"),
    "first_name": N_("First name"),
    "email": N_("E-mail address"),
    "language": N_("Language"),
    "groups": N_("Working groups"),
    "roles": N_("Roles"),
    "sector": N_("Sector"),
    "website": N_("Website"),
}
