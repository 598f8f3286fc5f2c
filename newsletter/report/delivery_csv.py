"""The delivery report of an issue as CSV (``;``, UTF-8 with BOM: Excel and LibreOffice
open it as is).

Every cell goes through the directory export's ``spreadsheet_safe``: an address or a
server reply that starts like a formula (``=``, ``+``, ``-``, ``@``…) is never run by
the spreadsheet that opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from newsletter.audience.directory import spreadsheet_safe

COLUMNS = ("email", "statut", "tentatives", "derniere_reponse", "envoye_le")


def delivery_report_csv(deliveries: Iterable[Mapping[str, Any]]) -> bytes:
    """One row per recipient (``DeliveryService.deliveries`` entries)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d in deliveries:
        cells = (d["email"], d["status"], d["attempts"], d["last_reply"], d["sent_at"])
        writer.writerow([spreadsheet_safe("" if c is None else str(c)) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
