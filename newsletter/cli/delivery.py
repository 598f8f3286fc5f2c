"""Commands of the delivery stage: issue schedule, status, pause, resume, cancel, retry
(``issue send`` is ``cli/send.py``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import typer

from newsletter.cli.common import _, console, issue_app, list_names, print_json, service, shown
from newsletter.errors import ValidationError
from newsletter.i18n import N_


@issue_app.command("schedule")
def schedule(
    issue_id: int = typer.Argument(..., help="Issue id."),
    at: str = typer.Option(..., "--at", help="ISO date and time (Europe/Brussels by default)."),
    to: str = typer.Option("", "--to", help="Lists, comma-separated (default: the issue's)."),
) -> None:
    """Send later; run again to reschedule, 'issue cancel' to cancel."""
    with service() as svc:
        when = _parse_time(at, svc.ctx.settings.timezone)
        svc.delivery.schedule(issue_id, when, list_names(to) or None)
        local = when.astimezone(ZoneInfo(svc.ctx.settings.timezone))
        console.print(
            _("Issue {issue} scheduled for {at}.").format(issue=issue_id, at=local.isoformat())
        )


def _parse_time(text: str, timezone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValidationError(N_("Not a date and time: {value}"), value=text) from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value


@issue_app.command("status")
def status(
    issue_id: int = typer.Argument(..., help="Issue id."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
) -> None:
    """Counts of a send: total, queued, sent, failed, bounced (and why it is paused)."""
    with service() as svc:
        result = svc.delivery.status(issue_id)
    document = result.document()
    if as_json:
        print_json(document)
        return
    console.print(
        _(
            "Issue {id} ({status}): {sent} sent, {failed} failed, {bounced} bounced, "
            "{skipped} skipped, {queued} queued of {total}."
        ).format(**document)
    )
    if result.reason_text():
        console.print(_("Reason: {reason}").format(reason=shown(result.reason_text(), lines=True)))
    for worker in result.stopped():
        console.print(shown(worker.message()))


@issue_app.command("pause")
def pause(
    issue_id: int = typer.Argument(..., help="Issue id."),
    reason: str = typer.Option("", "--reason", help="Shown in 'issue status'."),
) -> None:
    """Pause a send (or a scheduled issue); running workers stop after in-flight messages."""
    with service() as svc:
        svc.delivery.pause(issue_id, reason)
    console.print(_("Issue {issue} paused.").format(issue=issue_id))


@issue_app.command("resume")
def resume(issue_id: int = typer.Argument(..., help="Issue id.")) -> None:
    """Resume a paused or held send; 'newsletter serve' (or 'issue send ID') sends it."""
    with service() as svc:
        svc.delivery.resume(issue_id)
    console.print(_("Issue {issue} resumed.").format(issue=issue_id))


@issue_app.command("cancel")
def cancel(issue_id: int = typer.Argument(..., help="Issue id.")) -> None:
    """Cancel a scheduled or running send: nothing more goes out."""
    with service() as svc:
        dropped = svc.delivery.cancel(issue_id)
    console.print(
        _("Issue {issue} cancelled; {count} messages will not be sent.").format(
            issue=issue_id, count=dropped
        )
    )


@issue_app.command("retry")
def retry(issue_id: int = typer.Argument(..., help="Issue id.")) -> None:
    """Queue the recipients whose delivery failed permanently once more; 'newsletter
    serve' (or 'issue send ID') sends to them."""
    with service() as svc:
        count = svc.delivery.retry_failed(issue_id)
    console.print(
        _("Issue {issue}: {count} failed recipient(s) queued again.").format(
            issue=issue_id, count=count
        )
    )
