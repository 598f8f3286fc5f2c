"""Commands of the foundation: init, config, members, subscribers, lists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from newsletter.cli.common import (
    _,
    app,
    console,
    err_console,
    members_app,
    print_json,
    service,
    shown,
    subscribers_app,
)
from newsletter.config import describe, load_settings
from newsletter.errors import ValidationError
from newsletter.i18n import N_

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command()
def init() -> None:
    """Create or migrate the database (idempotent)."""
    with service() as svc:
        url = svc.ctx.db.engine.url.render_as_string(hide_password=True)
        console.print(_("Database ready: {url}").format(url=url))


@app.command()
def config() -> None:
    """Every setting, its value (secrets masked) and its help."""
    table = Table(_("Variable"), _("Value"), _("Help"))
    for name, value, help_text in describe(load_settings()):
        table.add_row(name, shown(value), help_text)
    console.print(table)


@members_app.command("import")
def members_import(
    file: Annotated[Path, typer.Argument(help="CSV exported from the directory spreadsheet.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only, change nothing.")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Import the member directory (CSV): organisations and their subscribers."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ValidationError(
            N_("Cannot read {file}: {error}"), file=file, error=error.strerror
        ) from error
    with service() as svc:
        report = svc.audience.import_members(data, file.name, dry_run=dry_run)
    if json:
        print_json(report.as_dict())
        return
    if report.dry_run:
        console.print(_("Dry run: nothing was written."))
    console.print(
        _("Created: {created} · updated: {updated} · unchanged: {unchanged} · rejected: {rejected}")
        .format(created=len(report.created), updated=len(report.updated),
                unchanged=len(report.unchanged), rejected=len(report.rejected))
    )  # fmt: skip
    if report.organisations_created:
        console.print(_("New organisations: {n}").format(n=report.organisations_created))
    if report.rejected:
        table = Table(_("Line"), _("E-mail"), _("Reason"), title=_("Rejected rows"))
        for rejection in report.rejected:
            table.add_row(
                str(rejection.line), shown(rejection.email), shown(rejection.reason.render())
            )
        err_console.print(table)


@members_app.command("export")
def members_export(
    file: Annotated[Path, typer.Argument(help="CSV file to write ('-': stdout).")],
) -> None:
    """Write the directory back to CSV (safe to open in a spreadsheet)."""
    with service() as svc:
        data = svc.audience.export_members()
    if str(file) == "-":
        sys.stdout.buffer.write(data)
        return
    file.write_bytes(data)
    console.print(_("Directory written to {file}").format(file=shown(file)))


@subscribers_app.command("list")
def subscribers_list(
    list_id: Annotated[
        str | None, typer.Option("--list", help="Only this list's recipients.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Subscribers, or the active recipients of one list."""
    with service() as svc:
        rows = svc.audience.list_subscribers(list_id=list_id)
    if json:
        print_json([row.as_json() for row in rows])
        return
    table = Table(_("E-mail"), _("Name"), _("Organisation"), _("Membership"), _("Language"),
                  _("Groups"), _("Status"))  # fmt: skip
    for row in rows:
        cells = (row.email, row.name, row.organisation, row.membership, row.language,
                 ", ".join(row.groups), row.status)  # fmt: skip
        table.add_row(*(shown(cell) for cell in cells))
    console.print(table)
    console.print(_("{n} subscriber(s)").format(n=len(rows)))


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(
    email: Annotated[str, typer.Argument(help="Address to unsubscribe.")],
    list_id: Annotated[str | None, typer.Option("--list", help="Only from this list.")] = None,
) -> None:
    """Unsubscribe at once, as a one-click unsubscribe would."""
    with service() as svc:
        changed = svc.audience.unsubscribe(email, list_id=list_id, source="cli")
    if not changed:
        console.print(_("{email} was already unsubscribed.").format(email=shown(email)))
    elif list_id:
        console.print(
            _("{email} unsubscribed from {list}.").format(email=shown(email), list=shown(list_id))
        )
    else:
        console.print(_("{email} unsubscribed from every list.").format(email=shown(email)))


@app.command("lists")
def lists_command(json: JsonOption = False) -> None:
    """The lists defined in lists/, with their number of recipients."""
    with service() as svc:
        infos, errors = svc.audience.lists()
    for error in errors:
        err_console.print(_("List file in error: {error}").format(error=shown(error.render())))
    if json:
        print_json([{"id": i.id, "title": i.title["fr"], "count": i.count} for i in infos])
        return
    table = Table(_("List"), _("Title"), _("Recipients"))
    for info in infos:
        table.add_row(shown(info.id), shown(info.title["fr"]), str(info.count))
    console.print(table)
