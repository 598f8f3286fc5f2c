"""``issue send``: the command's start.

The render child starts first (``service/variants.py``), before this process loads the
sending engine (``cli/send_run.py``): the child imports the renderer and renders while
this process imports the engine, runs its checks and takes the snapshot of the
recipients, on the other core. Only the settings are read before it starts.
"""

from __future__ import annotations

import typer

from newsletter.cli.common import issue_app, service
from newsletter.config import load_settings
from newsletter.errors import ConfigurationError
from newsletter.i18n import N_
from newsletter.service.variants import PendingRender, renderer_loaded


@issue_app.command("send")
def send(
    issue_id: int = typer.Argument(..., help="Issue id."),
    to: str = typer.Option("", "--to", help="Lists, comma-separated (default: the issue's)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    catcher: bool = typer.Option(
        False, "--catcher", help="Send into the embedded mail catcher (DATA_DIR/catcher)."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Stay until every temporary failure is retried."
    ),
    processes: int = typer.Option(
        1,
        "--processes",
        min=1,
        max=16,
        help="Sender processes sharing the outbox and SMTP_CONNECTIONS (up to one per CPU core).",
    ),
) -> None:
    """Send now with a progress bar; run again after a crash, it resumes without
    sending twice."""
    settings = load_settings()
    if not settings.smtp_host and not catcher:
        raise ConfigurationError(
            N_(
                "No SMTP server configured (NEWSLETTER_SMTP_HOST). Configure one, or "
                "send into the embedded mail catcher with --catcher."
            )
        )
    # the renderer runs in a child: this process only splices and sends (a process that
    # has the renderer loaded already, a test, renders in itself)
    ahead = None if renderer_loaded() else PendingRender(settings, issue_id)
    try:
        from newsletter.cli.send_run import run_send  # the engine, while the child renders

        with service(settings=settings) as svc:
            svc.delivery.render_in_child = ahead is not None
            if ahead is not None:  # the service keeps it for the snapshot, or ends it
                svc.delivery.render_ahead(issue_id, ahead)
                ahead = None
            run_send(svc, issue_id, to, yes=yes, catcher=catcher, wait=wait, processes=processes)
    finally:
        if ahead is not None:
            ahead.close()
