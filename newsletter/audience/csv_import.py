"""Reading the coordinator's directory file into clean rows, rejections and warnings.

The header row is found by its words (even below a title row), each column matched to a
field (see ``columns``), then the rows are read one at a time: the import streams, so a
100,000-row file is never held in memory whole. Pure parsing: nothing is written here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from newsletter.audience.columns import ColumnMatch, header_score, match_columns
from newsletter.audience.normalize import name_key, parse_language, parse_membership, split_tags
from newsletter.audience.tables import Table, open_table
from newsletter.audience.typos import suspicious_address
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg, gettext
from newsletter.models import Language, Membership

#: rows looked at to find the header below titles and notes
HEADER_SEARCH_ROWS = 30
_CELLS = ("organisation", "name", "first_name", "email", "membership", "language", "groups",
          "roles", "sector", "website")  # fmt: skip


@dataclass(slots=True)
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
    #: the line where the same person first appeared: this row only adds groups and roles
    merge_of: int = 0


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: Msg
    email: str = ""
    cells: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning of the report: the row was imported, but the coordinator should look."""

    line: int
    reason: Msg
    email: str = ""


@dataclass
class DirectoryReader:
    """The rows of one directory file, read once, with what was wrong on the way."""

    table: Table
    columns: ColumnMatch
    body: Iterator[tuple[int, list[str]]]
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: e-mail key → line * 2**24 + number of its organisation (one int: 100,000 people)
    _seen: dict[str, int] = field(default_factory=dict)
    _org_numbers: dict[str, int] = field(default_factory=dict)
    _memberships: dict[str, tuple[Membership, int]] = field(default_factory=dict)
    _spellings: dict[str, tuple[str, int]] = field(default_factory=dict)
    _told: set[tuple[str, str]] = field(default_factory=set)
    _mapped: set[str] = field(default_factory=set)

    def rows(self) -> Iterator[DirectoryRow]:
        index = list(self.columns.index().items())
        self._mapped = {name for _, name in index}
        empty = dict.fromkeys(_CELLS, "")
        for line, record in self.body:
            cells = empty.copy()
            width = len(record)
            for position, name in index:
                if position < width:
                    cells[name] = _unneutralise(record[position].strip())
            if not any(cells.values()):
                continue  # an empty row, or text only in ignored columns (a note, a total)
            yield from self._parse(line, cells, record)

    def _reject(
        self, line: int, cells: Sequence[str], email: str, msgid: str, **params: object
    ) -> None:
        self.rejected.append(Rejection(line, Msg(msgid, params), email, tuple(cells)))

    def _notice(self, line: int, address: str, msgid: str, **params: object) -> None:
        self.notices.append(Notice(line, Msg(msgid, params), address))

    def _parse(
        self, line: int, cells: dict[str, str], raw: Sequence[str]
    ) -> Iterator[DirectoryRow]:
        mapped = self._mapped
        addresses = _split_emails(cells["email"])
        name = " ".join(part for part in (cells["first_name"], cells["name"]) if part)
        organisation = cells["organisation"]
        if "  " in organisation:
            organisation = " ".join(organisation.split())
        if not addresses and (name or not organisation):
            # a person without an address is an error; an organisation alone is an entry
            self._reject(line, raw, "", N_("no e-mail address"))
            return
        membership = None
        if cells["membership"]:
            membership = parse_membership(cells["membership"])
            if membership is None:
                self._reject(line, raw, cells["email"], N_("unknown membership '{value}'"),
                             value=cells["membership"])  # fmt: skip
                return
            if not organisation:
                self._notice(line, cells["email"],
                             N_("membership '{value}' given without an organisation: not applied"),
                             value=cells["membership"])  # fmt: skip
                membership = None
        key = name_key(organisation)
        if membership is not None and organisation:
            first = self._memberships.setdefault(key, (membership, line))
            if first[0] is not membership:
                self._reject(
                    line, raw, cells["email"],
                    N_("membership '{value}' contradicts line {first} (same organisation)"),
                    value=cells["membership"], first=first[1],
                )  # fmt: skip
                return
        if organisation:
            spelling, first_line = self._spellings.setdefault(key, (organisation, line))
            if spelling != organisation and (key, organisation) not in self._told:
                self._told.add((key, organisation))
                self._notice(
                    line, cells["email"],
                    N_("'{spelling}' is the organisation '{first}' of line {first_line}: merged"),
                    spelling=organisation, first=spelling, first_line=first_line,
                )  # fmt: skip
                organisation = spelling
        language = None
        if cells["language"]:
            language = parse_language(cells["language"])
            if language is None:
                self._reject(line, raw, cells["email"], N_("unknown language '{value}'"),
                             value=cells["language"])  # fmt: skip
                return
        common = {
            "name": name,
            "organisation": organisation,
            "membership": membership,
            "language": language,
            "groups": split_tags(cells["groups"]) if "groups" in mapped else None,
            "roles": split_tags(cells["roles"]) if "roles" in mapped else None,
            "sector": cells["sector"],
            "website": cells["website"],
        }
        if not addresses:  # an organisation of the directory with no contact yet
            yield DirectoryRow(line, "", **common)  # type: ignore[arg-type]
            return
        for address in addresses:
            email = self._address(line, raw, address)
            if email is None:
                continue
            email_key = email.casefold()
            if email_key == email:
                email_key = email  # one string for both
            org_number = self._org_numbers.setdefault(key, len(self._org_numbers))
            if email_key in self._seen:
                first_line, first_org = divmod(self._seen[email_key], 1 << 24)
                if first_org != org_number:
                    self._notice(
                        line, email,
                        N_("{email} already appears on line {first}: merged into one person "
                           "(groups and roles united, organisation of line {first} kept)"),
                        email=email, first=first_line,
                    )  # fmt: skip
                else:
                    self._notice(
                        line, email,
                        N_("{email} already appears on line {first}: merged into one person "
                           "(groups and roles united)"),
                        email=email, first=first_line,
                    )  # fmt: skip
                yield DirectoryRow(line, email, merge_of=first_line, **common)  # type: ignore[arg-type]
                continue
            self._seen[email_key] = (line << 24) + org_number
            yield DirectoryRow(line, email, **common)  # type: ignore[arg-type]

    def _address(self, line: int, raw: Sequence[str], address: str) -> str | None:
        try:
            email = (
                plain_address(address)
                or validate_email(address, check_deliverability=False).normalized
            )
        except EmailNotValidError:
            try:  # "jean@asbl": no top-level domain; kept, but flagged
                email = validate_email(
                    address, check_deliverability=False, globally_deliverable=False
                ).normalized
            except EmailNotValidError:
                self._reject(line, raw, "", N_("invalid e-mail address '{value}'"), value=address)
                return None
            self._notice(line, email,
                         N_("{email} has no top-level domain (.be, .org…): imported, check it"),
                         email=email)  # fmt: skip
            return email
        suggestion = suspicious_address(email)
        if suggestion:
            self._notice(line, email,
                         N_("{email} looks mistyped (did you mean {suggestion}?): imported, "
                            "check it"),
                         email=email, suggestion=suggestion)  # fmt: skip
        return email


def read_directory(
    source: bytes | Path,
    filename: str = "",
    *,
    overrides: Mapping[str, str | None] | None = None,
    sheet: str | None = None,
) -> DirectoryReader:
    """Open a directory file, find its header and match its columns (raises
    ``ValidationError`` when there is no e-mail column: nothing can be imported)."""
    table = open_table(source, filename, sheet=sheet)
    header, body = _find_header(table, set(overrides or {}))
    columns = match_columns(header, overrides)
    if "email" in columns.missing:
        raise ValidationError(
            N_(
                "No e-mail column found. Name one column 'email', 'e-mail' or 'courriel'. "
                "Columns read: {columns}"
            ),
            columns=", ".join(cell.strip() for cell in header if cell.strip()),
        )
    return DirectoryReader(table=table, columns=columns, body=body)


def directory_headers(source: bytes | Path, filename: str = "") -> list[str]:
    """The header cells of a directory file as the import finds them, whatever they
    match (the console shows them again when a matching is refused)."""
    header, _body = _find_header(open_table(source, filename), set())
    return [cell.strip() for cell in header]


def _find_header(
    table: Table, wanted: set[str]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header row (the first that looks like one, else the first non-empty row) and
    the rows after it."""
    candidates: list[tuple[int, list[str]]] = []
    for line, record in table.rows:
        if not any(cell.strip() for cell in record):
            continue
        score = header_score(record) + sum(1 for c in record if name_key(c) in wanted)
        if score >= 2:
            return record, table.rows
        candidates.append((line, record))
        if len(candidates) >= HEADER_SEARCH_ROWS:
            break
    if not candidates:
        raise ValidationError(N_("The file is empty."))
    return candidates[0][1], _chain(candidates[1:], table.rows)


def _chain(
    first: Sequence[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


@dataclass
class ParsedDirectory:
    """A whole file parsed at once (small files, tests)."""

    rows: list[DirectoryRow]
    rejected: list[Rejection]
    notices: list[Notice]
    columns: ColumnMatch
    encoding: str = ""
    delimiter: str = ""


def parse_directory(data: bytes, filename: str = "") -> ParsedDirectory:
    reader = read_directory(data, filename)
    rows = list(reader.rows())
    return ParsedDirectory(rows, reader.rejected, reader.notices, reader.columns,
                           reader.table.encoding, reader.table.delimiter)  # fmt: skip


def rejected_csv(headers: Sequence[str], rejected: Sequence[Rejection], lang: str = "fr") -> bytes:
    """The rejected rows as a CSV (UTF-8 with BOM, ``;``) with the reason in front, ready
    to be fixed and imported again (the reason column is ignored by the import)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([gettext(lang, "Reason"), gettext(lang, "Line"), *headers])
    for rejection in rejected:
        cells = [_spreadsheet_safe(cell) for cell in rejection.cells]
        writer.writerow([rejection.reason.render(lang), str(rejection.line), *cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unneutralise(cell: str) -> str:
    """Undo the ``'`` our export puts before a cell that looks like a formula."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


_LOCAL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN = re.compile(
    rf"({_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*)@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}))"
)
#: top-level domains that email_validator refuses (special use): left to it
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test", "internal", "home",
                 "lan", "corp", "intranet", "mail", "private"}  # fmt: skip


def plain_address(address: str) -> str | None:
    """The normalised form of an ordinary ASCII address, or None to ask email_validator
    (which costs ~100 µs an address: too much for 100,000 rows of plain addresses)."""
    match = _PLAIN.fullmatch(address)
    if match is None or len(address) > 254 or len(match[1]) > 64:
        return None
    if match[3].lower() in _SPECIAL_TLDS:
        return None
    return f"{match[1]}@{match[2].lower()}"


def _split_emails(cell: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", cell.strip()) if part]
