"""Reading the coordinator's directory spreadsheet, as Excel and LibreOffice export it.

Comma, semicolon or tab separated; UTF-8 with or without BOM, UTF-16, or Windows-1252;
headers in French, Dutch or English. Pure parsing: the result is a list of clean rows
and a list of rejected lines with their reason; nothing is written here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from newsletter.audience.normalize import (
    fold,
    name_key,
    parse_language,
    parse_membership,
    split_tags,
)
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg
from newsletter.models import Language, Membership

#: column → the header spellings that mean it (compared after ``fold``)
HEADERS: dict[str, set[str]] = {
    "organisation": {"organisation", "organization", "organisme", "service", "association",
                     "asbl", "vzw", "structure", "partenaire", "organisatie", "organisaties",
                     "dienst", "vereniging", "partner", "nom de l organisation",
                     "naam organisatie", "membre", "lid"},
    "name": {"name", "nom", "mandataire", "naam", "contact", "personne de contact",
             "contactpersoon", "representant", "representative", "full name", "nom complet",
             "mandataris", "vertegenwoordiger", "prenom nom", "nom et prenom"},
    "email": {"email", "e mail", "courriel", "mail", "adresse e mail", "adresse email",
              "e mailadres", "emailadres", "adresse mail", "email address", "mel"},
    "membership": {"membership", "statut", "lidmaatschap", "type de membre", "type membre",
                   "membre type", "type lid", "member type", "qualite"},
    "language": {"language", "langue", "taal", "lang", "langue de contact"},
    "groups": {"groups", "groupes", "groepen", "groupes de travail", "gt", "werkgroepen",
               "working groups", "groupe", "groep"},
    "roles": {"roles", "role", "rollen", "rol", "fonction", "fonctions", "functie"},
    "sector": {"sector", "secteur", "sectoren", "domaine", "domein"},
    "website": {"website", "site", "site web", "site internet", "webstek", "url", "web"},
}  # fmt: skip

REQUIRED = ("email",)


@dataclass
class DirectoryRow:
    """One person of the directory, with the organisation they belong to."""

    line: int
    email: str
    name: str = ""
    organisation: str = ""
    membership: Membership | None = None
    language: Language | None = None
    groups: list[str] | None = None
    roles: list[str] | None = None
    sector: str = ""
    website: str = ""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: Msg
    email: str = ""


@dataclass
class ParsedDirectory:
    rows: list[DirectoryRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ""


def decode(data: bytes) -> tuple[str, str]:
    """The text of an exported file and the encoding it was in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _header_column(cell: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", " ", fold(cell)).strip()
    for column, spellings in HEADERS.items():
        if key in spellings:
            return column
    return None


def _unneutralise(cell: str) -> str:
    """Undo the ``'`` our export puts before a cell that looks like a formula."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


def _split_emails(cell: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", cell.strip()) if part]


def parse_directory(data: bytes) -> ParsedDirectory:
    """Parse an exported spreadsheet; bad rows are rejected with their line, never fatal."""
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    if not first_line:
        raise ValidationError(N_("The file is empty."))
    result = ParsedDirectory(encoding=encoding, delimiter=_delimiter(first_line))
    reader = csv.reader(io.StringIO(text), delimiter=result.delimiter)

    header = next((record for record in reader if any(cell.strip() for cell in record)), None)
    if header is None:
        raise ValidationError(N_("The file is empty."))
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        column = _header_column(cell)
        if column and column not in mapping.values():
            mapping[index] = column
            result.columns[column] = cell.strip()
    missing = [column for column in REQUIRED if column not in mapping.values()]
    if missing:
        raise ValidationError(
            N_(
                "No e-mail column found. Name one column 'email', 'e-mail' or 'courriel'. "
                "Columns read: {columns}"
            ),
            columns=", ".join(cell.strip() for cell in header if cell.strip()),
        )

    seen: dict[str, int] = {}
    memberships: dict[str, tuple[Membership, int]] = {}
    previous_end = reader.line_num
    for record in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cells = {column: "" for column in HEADERS}
        for index, column in mapping.items():
            if index < len(record):
                cells[column] = _unneutralise(record[index].strip())
        _parse_record(line, cells, seen, memberships, result)
    return result


def _parse_record(
    line: int,
    cells: dict[str, str],
    seen: dict[str, int],
    memberships: dict[str, tuple[Membership, int]],
    result: ParsedDirectory,
) -> None:
    def reject(msgid: str, **params: object) -> None:
        result.rejected.append(Rejection(line, Msg(msgid, params), cells["email"]))

    addresses = _split_emails(cells["email"])
    if not addresses and (cells["name"] or not cells["organisation"]):
        # a person without an address is an error; an organisation alone is an entry
        reject(N_("no e-mail address"))
        return
    membership = None
    if cells["membership"]:
        membership = parse_membership(cells["membership"])
        if membership is None:
            reject(N_("unknown membership '{value}'"), value=cells["membership"])
            return
    if membership is not None and cells["organisation"]:
        first = memberships.setdefault(name_key(cells["organisation"]), (membership, line))
        if first[0] is not membership:
            reject(
                N_("membership '{value}' contradicts line {first} (same organisation)"),
                value=cells["membership"],
                first=first[1],
            )
            return
    language = None
    if cells["language"]:
        language = parse_language(cells["language"])
        if language is None:
            reject(N_("unknown language '{value}'"), value=cells["language"])
            return
    common = {
        "name": cells["name"],
        "organisation": cells["organisation"],
        "membership": membership,
        "language": language,
        "groups": split_tags(cells["groups"]) if "groups" in result.columns else None,
        "roles": split_tags(cells["roles"]) if "roles" in result.columns else None,
        "sector": cells["sector"],
        "website": cells["website"],
    }
    if not addresses:  # an organisation of the directory with no contact yet
        result.rows.append(DirectoryRow(line=line, email="", **common))  # type: ignore[arg-type]
        return
    for address in addresses:
        try:
            email = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            result.rejected.append(
                Rejection(line, Msg(N_("invalid e-mail address '{value}'"), {"value": address}))
            )
            continue
        key = email.casefold()
        if key in seen:
            result.rejected.append(
                Rejection(
                    line,
                    Msg(
                        N_("{email} already appears on line {first}"),
                        {"email": email, "first": seen[key]},
                    ),
                    email,
                )
            )
            continue
        seen[key] = line
        result.rows.append(DirectoryRow(line=line, email=email, **common))  # type: ignore[arg-type]
