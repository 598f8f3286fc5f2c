"""Commands of a general assembly (AG) once created: invitation, answers (RSVP) and
quorum, reminders, attendance at the door, the sheet to sign, the PV cycle.

Every command calls the same service method as the console (``service.assemblies``,
``service.rsvp``). Names and texts from the directory are printed as plain text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsletter.cli.common import _, assembly_app, console, print_json, service, shown
from newsletter.cli.editorial import JsonOption, parse_when
from newsletter.i18n import DEFAULT_LANGUAGE
from newsletter.models import RsvpChoice
from newsletter.text import one_line

IdArgument = Annotated[int, typer.Argument(metavar="ID", help="Id of the AG.")]


def say(text: str) -> None:
    """One line for a person at a terminal: no markup, no control characters."""
    console.print(shown(one_line(text, 2000)))


@assembly_app.command("invite")
def assembly_invite(assembly_id: IdArgument, as_json: JsonOption = False) -> None:
    """The invitation issue of an AG (made once; send it with 'issue send')."""
    with service() as svc:
        issue_id = svc.assemblies.invitation(assembly_id)
    if as_json:
        print_json({"assembly": assembly_id, "issue": issue_id})
    else:
        say(_("Invitation of assembly {id}: issue {issue}.").format(id=assembly_id, issue=issue_id))


@assembly_app.command("rsvp")
def assembly_rsvp(
    assembly_id: IdArgument,
    email: Annotated[str, typer.Option("--email", help="Address of the person answering.")],
    answer: Annotated[RsvpChoice, typer.Option("--answer", help="yes, no or proxy.")],
    proxy_to: Annotated[
        str, typer.Option("--proxy-to", help="Organisation (name or id) receiving the proxy.")
    ] = "",
    people: Annotated[int, typer.Option("--people", help="People coming (with --answer yes).")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Record (or change) an answer to an AG invitation, as the RSVP page does."""
    if answer is RsvpChoice.proxy and not proxy_to.strip():
        raise typer.BadParameter(_("--answer proxy needs --proxy-to ORG."))
    with service() as svc:
        target = svc.rsvp.answer_for(assembly_id, email, answer, people=people, proxy_to=proxy_to)
    if as_json:
        print_json({
            "assembly": assembly_id, "email": target.email, "answer": target.choice,
            "people": target.people if target.choice == "yes" else 0,
            "organisation": target.organisation,
            "organisation_answer": target.organisation_choice,
            "proxy_to": target.organisation_proxy_to or None,
        })  # fmt: skip
    else:
        say(_("Answer recorded for {email}.").format(email=target.email))


@assembly_app.command("status")
def assembly_status(assembly_id: IdArgument, as_json: JsonOption = False) -> None:
    """Answers and quorum: who answered, who did not, voting organisations present or
    represented."""
    with service() as svc:
        status = svc.assemblies.status(assembly_id)
    if as_json:
        print_json(status.as_json())
        return
    q = status.quorum
    say(
        _("Voting organisations present: {present}, represented: {represented}; "
          "quorum {quorum} ({reached}).").format(
            present=q.voting_present, represented=q.voting_represented, quorum=q.required,
            reached=_("reached") if q.reached else _("not reached"),
        )
    )  # fmt: skip
    say(_("People: {people}, organisations: {organisations}.").format(
        people=status.people, organisations=status.organisations))  # fmt: skip
    if status.not_answered:
        say(_("Not answered yet:"))
        for standing in status.not_answered:
            say(f"  - {standing.name}")


@assembly_app.command("remind")
def assembly_remind(
    assembly_id: IdArgument,
    now: Annotated[bool, typer.Option("--now", help="Send the reminder now.")] = False,
    at: Annotated[str | None, typer.Option("--at", help="Plan it at this time (ISO).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Remind the organisations that have not answered: now, or at the planned time."""
    with service() as svc:
        result = svc.assemblies.remind(
            assembly_id, now=now, at=parse_when(at) if at and not now else None
        )
    if as_json:
        print_json({
            "assembly": assembly_id, "issue": result.issue_id, "recipients": result.recipients,
            "planned_at": result.planned_at.isoformat() if result.planned_at else None,
        })  # fmt: skip
    elif result.issue_id is not None:
        say(_("Reminder sent as issue {issue} to {n} recipients.").format(
            issue=result.issue_id, n=result.recipients))  # fmt: skip
    elif result.planned_at is not None:
        say(_("Reminder planned for {when}.").format(when=result.planned_at.isoformat()))
    else:
        say(_("No reminder planned (ASSEMBLY_REMINDER_DAYS is 0): use --now or --at."))


@assembly_app.command("attend")
def assembly_attend(
    assembly_id: IdArgument,
    email: Annotated[str, typer.Option("--email", help="Address of the person at the door.")],
    absent: Annotated[bool, typer.Option("--absent", help="Mark absent instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Tick a person present (or absent) at the AG."""
    with service() as svc:
        person = svc.assemblies.attend(assembly_id, email, present=not absent)
    if as_json:
        print_json({"assembly": assembly_id, "email": person.email, "present": person.present,
                    "organisation": person.organisation})  # fmt: skip
    elif absent:
        say(_("{email} marked absent.").format(email=person.email))
    else:
        say(_("{email} marked present.").format(email=person.email))


@assembly_app.command("sheet")
def assembly_sheet(
    assembly_id: IdArgument,
    out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the sheet: fr or nl.")] = "fr",
) -> None:
    """The attendance sheet to print (PDF): organisations, expected people, proxies."""
    with service() as svc:
        data = svc.assemblies.sheet_pdf(assembly_id, lang)
    out.write_bytes(data)
    say(_("Attendance sheet written to {path}.").format(path=out))


@assembly_app.command("attendance")
def assembly_attendance(
    assembly_id: IdArgument,
    as_json: JsonOption = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write the CSV here.")] = None,
) -> None:
    """Who came: "N people representing M partners", by organisation."""
    with service() as svc:
        summary = svc.assemblies.attendance_summary(assembly_id, DEFAULT_LANGUAGE)
        if csv_out is not None:
            csv_out.write_bytes(svc.assemblies.attendance_csv(assembly_id))
    if as_json:
        print_json(summary)
        return
    say(summary.line)
    for group in summary.by_organisation:
        say(f"  {group.organisation or '—'}: {', '.join(group.people)}")


@assembly_app.command("approve-minutes")
def assembly_approve_minutes(
    assembly_id: IdArgument,
    outcome: Annotated[
        str, typer.Option("--outcome", help="approved or approved_with_changes.")
    ] = "approved",
    final: Annotated[
        Path | None, typer.Option("--final", help="The final PV (PDF), with the changes.")
    ] = None,
    public: Annotated[
        bool | None,
        typer.Option("--public/--members-only", help="Who reads the PV on the web."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record the approval of an AG's PV at the next AG: the PV becomes final."""
    if final is not None and not final.is_file():
        raise typer.BadParameter(_("No such file: {path}").format(path=final))
    given = (final.name, final.read_bytes()) if final is not None else None
    with service() as svc:
        entry = svc.assemblies.approve_minutes(
            assembly_id, outcome.replace("-", "_"), given, public=public
        )
    if as_json:
        print_json({"assembly": assembly_id, "final": entry.final, "approval": entry.approval,
                    "public": entry.public, "file": entry.filename})  # fmt: skip
    else:
        say(_("Minutes of assembly {id} approved: final in the archive.").format(id=assembly_id))
