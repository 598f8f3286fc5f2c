"""Reading a directory file as rows of text cells: CSV (streamed) or a spreadsheet.

CSV: comma, semicolon or tab; UTF-8 with or without BOM, UTF-16 or Windows-1252, read
as a stream so that a 100,000-row file never sits in memory whole. Spreadsheets
(``.xlsx``, ``.ods``, ``.xls``) through calamine, first sheet unless one is named.
Each row comes with its number as the coordinator sees it (CSV line, sheet row).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from newsletter.errors import ValidationError
from newsletter.i18n import N_

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 20
csv.field_size_limit(1 << 20)


@dataclass
class Table:
    """Rows of a file; ``unit`` says whether numbers are CSV lines or sheet rows."""

    rows: Iterator[tuple[int, list[str]]]
    kind: str  # "csv" | "sheet"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""

    @property
    def unit(self) -> str:
        return "line" if self.kind == "csv" else "row"


def open_table(source: bytes | Path, filename: str = "", *, sheet: str | None = None) -> Table:
    """The rows of an uploaded file (bytes) or a file on disk (Path, streamed)."""
    head = source[:8] if isinstance(source, bytes) else _read_head(source)
    name = (filename or (source.name if isinstance(source, Path) else "")).lower()
    if head.startswith((_ZIP, _OLE)) or name.endswith(SPREADSHEET_SUFFIXES):
        return _sheet(source, sheet)
    if sheet:
        raise ValidationError(N_("--sheet only applies to a spreadsheet (.xlsx, .ods)."))
    return _csv(source)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as error:
        raise ValidationError(
            N_("Cannot read {file}: {error}"), file=path.name, error=error.strerror
        ) from error


# --- CSV ----------------------------------------------------------------------------------
def _binary(source: bytes | Path) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def detect_encoding(source: bytes | Path) -> str:
    """BOM, else UTF-8 if every byte decodes, else Windows-1252 (read in chunks)."""
    with _binary(source) as handle:
        start = handle.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _delimiter(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _csv(source: bytes | Path) -> Table:
    encoding = detect_encoding(source)
    first = ""
    with io.TextIOWrapper(_binary(source), encoding=encoding, errors="replace", newline="") as text:
        for line in text:
            if line.strip():
                first = line
                break
    if not first:
        raise ValidationError(N_("The file is empty."))
    delimiter = _delimiter(first)
    return Table(_csv_rows(source, encoding, delimiter), "csv", encoding, delimiter)


def _csv_rows(
    source: bytes | Path, encoding: str, delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    with io.TextIOWrapper(_binary(source), encoding=encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, delimiter=delimiter)
        previous_end = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise ValidationError(
                    N_("Line {line} cannot be read ({error}): nothing was imported."),
                    line=previous_end + 1,
                    error=str(error)[:200],
                ) from error
            line = previous_end + 1
            previous_end = reader.line_num
            yield line, record


# --- spreadsheets -------------------------------------------------------------------------
def _sheet(source: bytes | Path, name: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = (
            CalamineWorkbook.from_filelike(io.BytesIO(source))
            if isinstance(source, bytes)
            else CalamineWorkbook.from_path(str(source))
        )
    except Exception as error:  # calamine raises its own error types for a broken file
        raise ValidationError(
            N_("This file cannot be read as a spreadsheet (.xlsx, .ods): {error}"),
            error=str(error)[:200],
        ) from error
    names = list(workbook.sheet_names)
    if not names:
        raise ValidationError(N_("The file is empty."))
    if name is None:
        chosen = names[0]
    else:
        matches = [n for n in names if n.casefold() == name.strip().casefold()]
        if not matches and name.strip().isdigit() and 0 < int(name) <= len(names):
            matches = [names[int(name) - 1]]
        if not matches:
            raise ValidationError(
                N_("No sheet '{sheet}' in the file. Sheets: {sheets}"),
                sheet=name,
                sheets=", ".join(names),
            )
        chosen = matches[0]
    sheet = workbook.get_sheet_by_name(chosen)
    return Table(_sheet_rows(sheet), "sheet", sheet=chosen)


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    start = sheet.start or (0, 0)
    first_row, first_col = int(start[0]), int(start[1])
    for offset, record in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, [""] * first_col + [cell_text(cell) for cell in record]


def cell_text(value: object) -> str:
    """A cell as the coordinator typed it: 12.0 → "12", a date → 2026-12-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)
