"""Commands of the e-mail intake: intake eml, intake poll, intake list, intake raw."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from newsletter.cli.common import _, console, err_console, intake_app, print_json, service, shown
from newsletter.errors import SchemaError
from newsletter.models import InboundOutcome
from newsletter.service.intake import Result

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
#: sysexits.h EX_TEMPFAIL: an MTA piping a message keeps it and tries again later
EX_TEMPFAIL = 75
log = logging.getLogger(__name__)


def _line(result: Result) -> str:
    outcome = {
        InboundOutcome.item: _("news item {id}"),
        InboundOutcome.quarantine: _("quarantined"),
        InboundOutcome.bounce: _("bounce"),
        InboundOutcome.complaint: _("complaint"),
        InboundOutcome.ignored: _("ignored"),
        InboundOutcome.post: _("list post {posts}"),
    }[result.outcome].format(id=result.news_id, posts=", ".join(map(str, result.post_ids)))
    if result.duplicate and result.outcome is not InboundOutcome.ignored:
        outcome = _("already processed ({outcome})").format(outcome=outcome)
    reason = result.reason.render() if result.reason else ""
    line = f"{result.label}: {outcome}" + (f" — {reason}" if reason else "")
    return shown(line)


@intake_app.command("eml")
def intake_eml(
    files: Annotated[
        list[str], typer.Argument(help="Raw message files (.eml), or - for one on stdin.")
    ],
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient",
            help="Envelope recipient of the piped message (the MTA's ${original_recipient}); "
            "a mailing list's posting address makes it a post of that list. Repeatable.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Partner e-mails or bounces as raw messages: from files, or one piped by the MTA."""
    paths = [Path(f) for f in files if f != "-"]
    for path in paths:
        if not path.is_file():
            raise typer.BadParameter(_("No such file: {path}").format(path=shown(path)))
    try:
        results = _ingest(files, recipient or [])
    except SchemaError as error:
        # not migrated yet (an upgrade in progress): the MTA keeps the message, tries again
        sys.stderr.write(_("Error: ") + error.localized() + "\n")
        raise typer.Exit(EX_TEMPFAIL) from error
    except Exception as error:
        if "-" not in files or isinstance(error, TyperException):
            raise
        # the piped message could not be recorded: the MTA keeps it and tries again
        log.exception("intake from stdin failed")
        sys.stderr.write(_("Error: ") + str(error) + "\n")
        raise typer.Exit(EX_TEMPFAIL) from error
    if as_json:
        print_json([r.as_dict() for r in results])
        return
    for result in results:
        console.print(_line(result), markup=False)


def _ingest(files: list[str], envelope: list[str]) -> list[Result]:
    with service() as svc:
        return [
            svc.intake.ingest_stream(sys.stdin.buffer, envelope=envelope)
            if name == "-"
            else svc.intake.ingest_file(Path(name))
            for name in files
        ]


@intake_app.command("poll")
def intake_poll(as_json: JsonOption = False) -> None:
    """Read the submissions mailbox (IMAP) once."""
    with service() as svc:
        report = svc.intake.poll()
    if as_json:
        print_json(report.as_dict())
        return
    if report.busy:
        console.print(_("Another process is reading the mailbox; nothing done."), markup=False)
        return
    for result in report.results:
        console.print(_line(result), markup=False)
    counts = report.counts()
    summary = _(
        "{items} news items, {bounces} bounces, {complaints} complaints, {quarantined} "
        "quarantined, {ignored} ignored."
    )
    console.print(
        summary.format(
            items=counts["item"],
            bounces=counts["bounce"],
            complaints=counts["complaint"],
            quarantined=counts["quarantine"],
            ignored=counts["ignored"],
        ),
        markup=False,
    )
    if report.left:
        left = _("{count} messages could not be moved; they will be handled at the next poll.")
        console.print(left.format(count=report.left), markup=False)


#: messages per page of ``intake list``
PER_PAGE = 200


@intake_app.command("list")
def intake_list(
    outcome: Annotated[
        str | None, typer.Option(help="item, quarantine, bounce, complaint or ignored.")
    ] = None,
    unmatched: Annotated[
        bool,
        typer.Option(
            "--unmatched", help="Only bounces that proved no delivery of ours (nothing changed)."
        ),
    ] = False,
    page: Annotated[int, typer.Option(min=1, help="Page to show (newest first).")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=10000, help="Messages per page.")] = PER_PAGE,
    as_json: JsonOption = False,
) -> None:
    """Incoming messages, newest first, with what became of each (a page at a time)."""
    try:
        wanted = InboundOutcome(outcome) if outcome else None
    except ValueError as error:
        raise typer.BadParameter(
            _("Unknown outcome: {value}").format(value=shown(outcome))
        ) from error
    offset = (page - 1) * per_page
    with service() as svc:
        if unmatched:
            every = svc.intake.unmatched_bounces(limit=100000)
            total, rows = len(every), every[offset : offset + per_page]
        else:
            total = svc.intake.count(wanted)
            rows = svc.intake.messages(wanted, limit=per_page, offset=offset)
    summary = _page_summary(total, offset, len(rows), page, per_page)
    if as_json:
        print_json(rows)
        if total > len(rows):
            err_console.print(summary, markup=False)
        return
    for row in rows:
        reason = row.reason_in()
        console.print(
            f"{row.id:>5}  {row.outcome:<10}  {shown(row.sender):<35}  "
            f"{shown(row.subject)}" + (f"  — {shown(reason)}" if reason else ""),
            markup=False,
        )
    console.print(summary, markup=False)


def _page_summary(total: int, offset: int, shown: int, page: int, per_page: int) -> str:
    """ "Messages 201–400 of 523 (page 2 of 3; --page 3 for the next)."""
    if not shown:
        return _("No message on this page ({total} in all).").format(total=total)
    pages = max(1, -(-total // per_page))
    text = _("Messages {first}–{last} of {total} (page {page} of {pages}").format(
        first=offset + 1, last=offset + shown, total=total, page=page, pages=pages
    )
    if page < pages:
        return text + _("; --page {next} for the next).").format(next=page + 1)
    return text + ")."


@intake_app.command("raw")
def intake_raw(
    record: Annotated[int, typer.Argument(help="Number of the incoming message.")],
) -> None:
    """Print an incoming message as it was received."""
    with service() as svc:
        data = svc.intake.raw_message(record)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
