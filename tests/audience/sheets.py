"""Writes directory tables as a coordinator's tools do: CSV (``;`` Windows-1252 or ``,``
UTF-8 with BOM), ``.xlsx`` (openpyxl) and ``.ods`` (odfpy), with a title row above the
header and an empty row in the sheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

Cell = str | int | float | dt.date | None
FORMATS = ("csv-cp1252", "csv-utf8-bom", "xlsx", "ods")
SUFFIX = {"csv-cp1252": ".csv", "csv-utf8-bom": ".csv", "xlsx": ".xlsx", "ods": ".ods"}


def write_table(
    path: Path, fmt: str, header: Sequence[str], rows: Sequence[Sequence[Cell]], title: str = ""
) -> Path:
    target = path.with_suffix(SUFFIX[fmt])
    if fmt == "csv-cp1252":
        target.write_bytes(_csv(header, rows, ";").encode("cp1252"))
    elif fmt == "csv-utf8-bom":
        target.write_bytes(("\ufeff" + _csv(header, rows, ",")).encode("utf-8"))
    elif fmt == "xlsx":
        _xlsx(target, header, rows, title)
    else:
        _ods(target, header, rows, title)
    return target


def _csv(header: Sequence[str], rows: Sequence[Sequence[Cell]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    return buffer.getvalue()


def _xlsx(target: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]], title: str) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Répertoire"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("Notes").append(["Rien", "ici"])
    workbook.save(target)


def _ods(target: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]], title: str) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Répertoire")

    def add(cells: Sequence[Cell], span: int = 0) -> None:
        row = TableRow()
        for value in cells:
            if value is None or value == "":
                row.addElement(TableCell())
                continue
            if isinstance(value, bool | int | float):
                cell = TableCell(valuetype="float", value=str(value))
            elif isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            else:
                cell = TableCell(valuetype="string")
            if span:
                cell.setAttribute("numbercolumnsspanned", str(span))
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)

    if title:
        add([title], span=len(header))
        add([])
    add(header)
    for row in rows:
        add(row)
    document.spreadsheet.addElement(table)
    document.save(str(target))
