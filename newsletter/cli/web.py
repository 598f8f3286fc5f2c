"""Commands of the web area: serve, demo, admin create."""

from __future__ import annotations

import getpass
import os
import sys
from urllib.parse import urlsplit

import typer

from newsletter import baseurl
from newsletter.cli.common import _, admin_app, app, console, err_console, service, shown
from newsletter.config import load_settings
from newsletter.context import open_context
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg


@admin_app.command("create")
def admin_create(
    email: str = typer.Argument(..., help="E-mail address used to log in."),
    name: str = typer.Option("", "--name", help="Name shown in the console."),
    language: str = typer.Option("fr", "--language", help="fr or nl."),
    password_env: str = typer.Option(
        "",
        "--password-env",
        help="Read the password from this environment variable instead of asking.",
    ),
) -> None:
    """Create a coordinator account of the web console (or set a new password)."""
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise ValidationError(N_("The variable {name} is empty."), name=password_env)
    elif sys.stdin.isatty():
        password = getpass.getpass(_("Password: "))
        if getpass.getpass(_("Password again: ")) != password:
            raise ValidationError(N_("The two passwords differ."))
    else:
        password = sys.stdin.readline().rstrip("\n")
    with service() as svc:
        account = svc.accounts.create(email, password, name=name, language=language)
    console.print(_("Account ready: {email}").format(email=shown(account.email)))


@admin_app.command("remove")
def admin_remove(
    email: str = typer.Argument(..., help="E-mail address of the account."),
) -> None:
    """Remove a coordinator's access to the console (its open sessions end at once)."""
    with service() as svc:
        svc.accounts.remove(email)
    console.print(_("Account removed: {email}").format(email=email))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Serve the web pages only (no scheduler, no delivery)."
    ),
) -> None:
    """Web console, public pages, scheduler and delivery worker in one process."""
    from newsletter.web.server import run_server

    settings = load_settings()
    if not baseurl.is_set(settings):
        settings = baseurl.for_port(settings, host, port)
        warn(Msg(N_("BASE_URL is not set: links in e-mails point to {url}, which only works on "
                    "this machine. Set NEWSLETTER_BASE_URL to the public address."),
                 {"url": settings.base_url}))  # fmt: skip
    own = urlsplit(settings.base_url)
    itself = baseurl.is_local(own.hostname or "") and (own.port or 80) == port
    for problem in baseurl.problems(settings.base_url, probe=not itself):
        warn(problem)
    run_server(settings, host=host, port=port, worker=not no_worker)


def warn(message: Msg) -> None:
    """A loud warning on stderr (one line per problem)."""
    err_console.print(
        _("WARNING: {message}").format(message=message.render()), style="bold red", markup=False
    )


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Create the database and the demo network, then stop."
    ),
) -> None:
    """Create the database, a fictitious demo network, then serve with the mail catcher."""
    from newsletter.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
    from newsletter.service import Service
    from newsletter.web.server import run_server

    settings = baseurl.for_port(load_settings(), host, port)
    ctx = open_context(settings)
    try:
        created = load_demo(Service(ctx))
    finally:
        ctx.close()
    if created:
        console.print(_("Demo network created."))
    if no_serve:
        return
    console.print(
        _("Console: http://{host}:{port}/console/ — log in as {email} / {password}").format(
            host=host, port=port, email=DEMO_EMAIL, password=DEMO_PASSWORD
        )
    )
    run_server(settings, host=host, port=port, worker=True, catcher=True)
