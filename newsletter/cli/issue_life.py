"""Commands of an issue's life after drafting: list, unschedule, duplicate, edit, tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsletter.cli.common import _, console, issue_app, print_json, service, shown
from newsletter.cli.editorial import (
    JsonOption,
    SearchOption,
    SinceOption,
    UntilOption,
    parse_day,
    read_text,
)
from newsletter.i18n import LANGUAGES
from newsletter.models import IssueStatus, Membership
from newsletter.service.search import IssueFilter


@issue_app.command("list")
def issue_list(
    status: Annotated[IssueStatus | None, typer.Option(help="Only this status.")] = None,
    search: SearchOption = "",
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """The issues, oldest first: ``[{"id","number","title","status","lists","items",
    "public","scheduled_at","sent_at","created_at"}]``. The day filtered on is the send
    day (else the planned one, else the creation)."""
    wanted = IssueFilter(
        text=search, statuses=(status.value,) if status else (),
        since=parse_day(since), until=parse_day(until),
    )  # fmt: skip
    with service() as svc:
        issues = svc.search.every_issue(wanted)
    if as_json:
        print_json(issues)
        return
    for issue in issues:
        console.print(
            f"{issue.id:>5}  #{issue.number:<4} {issue.status:<10} {shown(issue.title)}",
            soft_wrap=True,
        )


@issue_app.command("unschedule")
def issue_unschedule(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
) -> None:
    """Back to draft: a scheduled issue (its planned time and lists kept), or a paused send
    that delivered nothing yet. Edit it, then schedule or send it again."""
    with service() as svc:
        result = svc.issue_life.back_to_draft(issue_id)
    if as_json:
        print_json(result)
    else:
        console.print(_("Issue {issue} is a draft again.").format(issue=issue_id))


@issue_app.command("duplicate")
def issue_duplicate(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
) -> None:
    """A new draft with the same introduction, items, AGs, annexes and lists (from any
    issue, a sent one too)."""
    with service() as svc:
        result = svc.issue_life.duplicate(issue_id)
    if as_json:
        print_json(result)
    else:
        console.print(
            _("Issue {issue} copied into the new draft {id} (number {number}).").format(
                issue=issue_id, id=result.id, number=result.number
            )
        )


@issue_app.command("edit")
def issue_edit(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    intro: Annotated[Path | None, typer.Option(help="Introduction (Markdown file).")] = None,
    add_news: Annotated[
        list[int] | None, typer.Option("--add-news", metavar="ID", help="Add a news item.")
    ] = None,
    remove_news: Annotated[
        list[int] | None,
        typer.Option("--remove-news", metavar="ID", help="Remove a news item."),
    ] = None,
    add_assembly: Annotated[
        list[int] | None,
        typer.Option("--add-assembly", metavar="ID", help="Announce an AG (with its PV)."),
    ] = None,
    remove_assembly: Annotated[
        list[int] | None,
        typer.Option("--remove-assembly", metavar="ID", help="Take an AG (and its PV) out."),
    ] = None,
    assembly_pv: Annotated[
        list[str] | None,
        typer.Option(
            "--assembly-pv",
            metavar="AG=PV_AG",
            help="Send the PV of the AG PV_AG with the AG AG of the issue (none: no PV).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a draft issue: all the changes given, or none of them."""
    minutes = parse_minutes_choices(assembly_pv or [])
    with service() as svc:
        result = svc.issue_life.edit(
            issue_id,
            title=title,
            introduction=read_text(intro) if intro else None,
            add_news=add_news or [],
            remove_news=remove_news or [],
            add_assemblies=add_assembly or [],
            remove_assemblies=remove_assembly or [],
            assembly_minutes=minutes,
        )
    if as_json:
        print_json(result)
    else:
        console.print(
            _("Issue {id} saved: {items} items, {assemblies} AG.").format(
                id=issue_id, items=len(result.items), assemblies=len(result.assemblies)
            )
        )


def parse_minutes_choices(values: list[str]) -> dict[int, int | None]:
    """``AG=PV_AG`` or ``AG=none``, each → {AG: PV_AG or None}; bad usage otherwise."""
    choices: dict[int, int | None] = {}
    for value in values:
        assembly, sep, source = value.partition("=")
        try:
            key = int(assembly)
            choices[key] = None if source.strip().lower() == "none" else int(source)
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(
                _("--assembly-pv takes AG=PV_AG (two AG ids) or AG=none: {value}").format(
                    value=shown(value)
                )
            )
    return choices


@issue_app.command("test")
def issue_test(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    to: Annotated[str, typer.Option("--to", help="Addresses, comma-separated.")],
    lang: Annotated[str, typer.Option("--lang", help="fr or nl.")] = "fr",
    membership: Annotated[
        Membership, typer.Option(help="The reader's kind: effectif, adherent or none.")
    ] = Membership.full,
) -> None:
    """Send the exact message of such a reader, subject marked "[TEST] ", to each address."""
    if lang not in LANGUAGES:
        raise typer.BadParameter(_("Language must be fr or nl."))
    with service() as svc:
        sent = svc.issue_life.send_test(issue_id, to, language=lang, membership=membership)
    console.print(_("Test sent to {email}.").format(email=shown(", ".join(sent))))
