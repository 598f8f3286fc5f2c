"""Commands of the foundation: init, config, members, subscribers, lists."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from newsletter.cli.common import (
    _,
    app,
    console,
    err_console,
    lists_app,
    members_app,
    print_json,
    service,
    shown,
    subscribers_app,
)
from newsletter.config import describe, load_settings
from newsletter.service.audience import FIELD_LABELS, FIELDS, ColumnMatch, parse_overrides
from newsletter.service.person_form import PersonForm

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command()
def init() -> None:
    """Create or migrate the database (idempotent)."""
    with service(migrate=True) as svc:
        url = svc.ctx.db.engine.url.render_as_string(hide_password=True)
        console.print(_("Database ready: {url}").format(url=url))


@app.command()
def config() -> None:
    """Every setting, its value (secrets masked) and its help."""
    table = Table(_("Variable"), _("Value"), _("Help"))
    for name, value, help_text in describe(load_settings()):
        table.add_row(name, shown(value), help_text)
    console.print(table)


MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help='Match a column by hand: "HEADER=field" (fields: '
        + ", ".join(FIELDS)
        + '; "HEADER=" ignores the column). Repeatable.',
    ),
]


def plain(text: object) -> str:
    """Text from a file, safe on a terminal (``common.shown``: the consoles print no
    Rich markup, control characters are shown as escapes)."""
    return shown(text)


@members_app.command("import")
def members_import(
    file: Annotated[Path, typer.Argument(help="Directory file: CSV, .xlsx or .ods.")],
    mapping: MapOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only, change nothing.")
    ] = False,
    json: JsonOption = False,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet of a spreadsheet (name or number).")
    ] = None,
    rejected_file: Annotated[
        Path | None,
        typer.Option("--rejected", help="Write the rejected rows to this CSV, ready to fix."),
    ] = None,
) -> None:
    """Import the member directory: organisations and their people (one transaction)."""
    overrides = parse_overrides(mapping or [])
    with service() as svc:
        match = svc.audience.match_columns(file, file.name, overrides=overrides, sheet=sheet)
        if not json:
            _print_columns(match)
        for message in match.missing_messages():
            err_console.print(plain(_("Warning: {message}").format(message=message.render())))
        report = svc.audience.import_members(
            file, file.name, dry_run=dry_run, overrides=overrides, sheet=sheet, detail=json
        )
    if rejected_file is not None:
        rejected_file.write_bytes(report.rejected_csv())
    if json:
        print_json(report.as_dict())
        return
    if report.dry_run:
        console.print(_("Dry run: nothing was written."))
    console.print(
        _("Created: {created} · updated: {updated} · unchanged: {unchanged} · rejected: {rejected}")
        .format(created=report.counts["created"], updated=report.counts["updated"],
                unchanged=report.counts["unchanged"], rejected=len(report.rejected))
    )  # fmt: skip
    if report.organisations_created:
        console.print(_("New organisations: {n}").format(n=report.organisations_created))
    console.print(
        _("People by membership: effectif {full} · adhérent {associate} · none {none}").format(
            full=report.memberships.get("effectif", 0),
            associate=report.memberships.get("adherent", 0),
            none=report.memberships.get("none", 0),
        )
    )
    unit = _("Line") if report.unit == "line" else _("Row")
    if report.notices:
        table = Table(unit, _("E-mail"), _("Warning"), title=_("Warnings (imported)"))
        for notice in report.notices:
            table.add_row(str(notice.line), plain(notice.email), plain(notice.reason.render()))
        err_console.print(table)
    if report.rejected:
        table = Table(unit, _("E-mail"), _("Reason"), title=_("Rejected rows"))
        for rejection in report.rejected:
            table.add_row(
                str(rejection.line), plain(rejection.email), plain(rejection.reason.render())
            )
        err_console.print(table)


def _print_columns(match: ColumnMatch) -> None:
    table = Table(_("Column of the file"), _("Field"), title=_("Columns"))
    for header, field in match.as_dict().items():
        label = _(FIELD_LABELS[field]) if field else _("ignored")
        table.add_row(plain(header), label)
    console.print(table)
    if match.ignored:
        console.print(
            _("Ignored columns: {columns}").format(columns=plain(", ".join(match.ignored)))
        )


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


@subscribers_app.command("export-data")
def subscribers_export_data(
    email: Annotated[str, typer.Argument(help="Address of the person.")],
) -> None:
    """Everything held about one person, as JSON (the right of access)."""
    with service() as svc:
        print_json(svc.audience.export_person(email))


@subscribers_app.command("erase")
def subscribers_erase(
    email: Annotated[str, typer.Argument(help="Address of the person.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one person; their deliveries stay as anonymised counts."""
    if not yes:
        typer.confirm(_("Erase {email} for good?").format(email=plain(email)), abort=True)
    with service() as svc:
        kept = svc.audience.erase_person(email)
    console.print(
        _("{email} erased; {n} deliveries kept without name or address.").format(
            email=plain(email), n=kept
        )
    )


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


@lists_app.callback(invoke_without_command=True)
def lists_command(context: typer.Context, json: JsonOption = False) -> None:
    """The lists defined in lists/, with their number of recipients."""
    if context.invoked_subcommand is not None:
        return
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


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(help="Address of the person.")],
    name: Annotated[str, typer.Option("--name", help="Their name.")] = "",
    organisation: Annotated[
        str, typer.Option("--org", help="Their organisation (already in the directory).")
    ] = "",
    language: Annotated[str, typer.Option("--language", help="fr or nl.")] = "fr",
    groups: Annotated[str, typer.Option("--groups", help="Working groups, comma-separated.")] = "",
    roles: Annotated[str, typer.Option("--roles", help="Roles, comma-separated.")] = "",
    json: JsonOption = False,
) -> None:
    """Add one person to the directory, active at once (the consent is theirs to give)."""
    with service() as svc:
        form = PersonForm(name=name, language=language, organisation=organisation,
                          groups=groups, roles=roles)  # fmt: skip
        view = svc.people.add(email, form, by="cli", source="cli")
    if json:
        print_json(view.as_json())
        return
    console.print(_("{email} added.").format(email=plain(view.email)))


@subscribers_app.command("change-email")
def subscribers_change_email(
    old: Annotated[str, typer.Argument(help="The person's current address.")],
    new: Annotated[str, typer.Argument(help="Their new address.")],
) -> None:
    """Give a person a new address; the old one stays in their history."""
    with service() as svc:
        view = svc.people.change_email(old, new, by="cli")
    console.print(
        _("{old} is now {new}; the old address is kept in the history.").format(
            old=plain(old), new=plain(view.email)
        )
    )


@subscribers_app.command("reactivate")
def subscribers_reactivate(
    email: Annotated[str, typer.Argument(help="Address of the person.")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why they may receive the newsletter again (when and how they asked)."
        ),
    ] = "",
) -> None:
    """Make an address active again; someone who had unsubscribed needs --reason, kept as
    the evidence of their consent."""
    with service() as svc:
        view = svc.people.set_status(email, "active", by="cli", source="cli", reason=reason)
    console.print(_("{email} is active again.").format(email=plain(view.email)))


@members_app.command("organisation")
def members_organisation(
    name: Annotated[str, typer.Argument(help="The organisation's name as in the directory.")],
    rename: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    membership: Annotated[
        str | None, typer.Option("--membership", help="effectif, adherent or none.")
    ] = None,
    sector: Annotated[str | None, typer.Option("--sector", help="Its sector.")] = None,
    website: Annotated[str | None, typer.Option("--website", help="Its website.")] = None,
    left: Annotated[
        datetime | None,
        typer.Option(
            "--left",
            formats=["%Y-%m-%d"],
            help="It left the network: the last day of its membership (YYYY-MM-DD); "
            "again with another day to correct it.",
        ),
    ] = None,
    returned: Annotated[
        datetime | None,
        typer.Option(
            "--returned",
            formats=["%Y-%m-%d"],
            help="It is a member again from this day (YYYY-MM-DD), after it had left.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Show an organisation, or change its name, membership, sector or website, or record
    that it left the network (--left) or came back (--returned); the history is kept."""
    if left is not None and returned is not None:
        raise typer.BadParameter(_("Give --left or --returned, not both."))
    with service() as svc:
        found = svc.audience.find_organisation(name)
        if found is None:
            err_console.print(_("No organisation named '{name}'.").format(name=plain(name)))
            raise typer.Exit(1)
        if left is not None:
            found = svc.people.organisation_left(found.id, left.date(), actor="cli")
        if returned is not None:
            found = svc.people.organisation_returned(found.id, returned.date(), actor="cli")
        if any(value is not None for value in (rename, membership, sector, website)):
            found = svc.people.update_organisation(
                found.id,
                name=found.name if rename is None else rename,
                membership=found.membership if membership is None else membership,
                sector=found.sector if sector is None else sector,
                website=found.website if website is None else website,
            )
    if json:
        left_on = found.left_on.isoformat() if found.left_on else None
        print_json({"name": found.name, "membership": found.membership, "sector": found.sector,
                    "website": found.website, "subscribers": found.subscribers,
                    "left_on": left_on})  # fmt: skip
        return
    line = (
        f"{plain(found.name)} · {plain(found.membership)} · {plain(found.sector)} · "
        f"{plain(found.website)} · {found.subscribers}"
    )
    if found.left_on:
        line += " · " + _("left on {day}").format(day=found.left_on.isoformat())
    console.print(line)
