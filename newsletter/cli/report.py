"""Report commands: the printable edition of an issue, the yearly activity report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsletter.cli.common import _, app, console, issue_app, service, shown
from newsletter.i18n import LANGUAGES

report_app = typer.Typer(help="Reports: the yearly activity report.")
app.add_typer(report_app, name="report")

LangOption = Annotated[str, typer.Option("--lang", help="fr or nl.")]


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise typer.BadParameter(_("Language must be fr or nl."))
    return lang


@issue_app.command("print")
def issue_print(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write.")],
    lang: LangOption = "fr",
) -> None:
    """The printable edition: an A4 PDF with large type and a QR code for every link."""
    with service() as svc:
        data = svc.reports.print_issue(issue_id, _lang(lang))
    out.write_bytes(data)
    console.print(shown(out))
