"""Report commands: the printable edition of an issue, the yearly activity report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsletter.cli.common import _, app, console, issue_app, print_json, service, shown
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


@issue_app.command("report")
def issue_report(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    lang: LangOption = "fr",
    status: Annotated[
        str, typer.Option("--status", help="Only this delivery status (or 'problems').")
    ] = "",
    clicks: Annotated[
        bool,
        typer.Option(
            "--clicks",
            help="How many times each link was followed instead (CLICK_COUNTING): "
            '[{"url","count"}] with --json.',
        ),
    ] = False,
) -> None:
    """Who got the issue and who did not, with the reason in words (French or Dutch) and
    the server's reply; with --clicks, how many times each link was followed."""
    language = _lang(lang)
    if clicks:
        with service() as svc:
            counts = svc.clicks.clicks(issue_id)
        if as_json:
            print_json([c.as_json() for c in counts])
            return
        for count in counts:
            console.print(shown(f"{count.count}\t{count.url}"))
        return
    with service() as svc:
        rows = [row.document(language) for row in svc.reports.report_rows(issue_id, status)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        line = f"{row['email']}\t{row['status']}\t{row['attempts']}"
        if row["reason"]:
            line += f"\t{row['reason']}\t{row['smtp_reply']}"
        console.print(shown(line))


bounces_app = typer.Typer(help="Bounced and failing addresses.")
app.add_typer(bounces_app, name="bounces")


@bounces_app.command("list")
def bounces_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    kind: Annotated[str, typer.Option("--kind", help="hard or soft.")] = "",
    lang: LangOption = "fr",
) -> None:
    """Bounced addresses and active ones with counted failures (hard or soft, last
    reply, since when, organisation)."""
    language = _lang(lang)
    with service() as svc:
        found = [a.document(language) for a in svc.reports.bounced_addresses(kind)]
    if as_json:
        print_json(found)
        return
    for a in found:
        line = f"{a['email']}\t{a['status']}\t{a['kind']}\t{a['bounces']}\t{a['since'] or ''}"
        console.print(shown(f"{line}\t{a['organisation']}\t{a['last_reply']}"))


@report_app.command("activity")
def report_activity(
    year: Annotated[int, typer.Option("--year", help="The year, e.g. 2026.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the three files into.")],
    lang: LangOption = "fr",
) -> None:
    """The yearly activity report: activity.html, activity.pdf and activity.csv."""
    language = _lang(lang)
    with service() as svc:
        files = svc.reports.activity_files(year, language)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
        console.print(shown(out / name))
