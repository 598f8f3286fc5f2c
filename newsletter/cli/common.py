"""Shared pieces of the command line: the Typer apps, settings, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from newsletter.config import load_settings
from newsletter.context import open_context
from newsletter.i18n import DEFAULT_LANGUAGE, gettext
from newsletter.service import Service
from newsletter.service.results import JsonResult

app = typer.Typer(
    name="newsletter",
    help="Newsletter and mailing lists of a social coordination network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
members_app = typer.Typer(help="Member directory (organisations and their people).")
subscribers_app = typer.Typer(help="Subscribers of the lists.")
news_app = typer.Typer(help="News items and their moderation queue.")
assembly_app = typer.Typer(help="General assemblies (AG) and their minutes (PV).")
issue_app = typer.Typer(help="Newsletter issues: draft, preview, send, schedule, status.")
intake_app = typer.Typer(help="Incoming e-mail: partner news and bounces.")
admin_app = typer.Typer(help="Coordinator accounts of the web console.")
app.add_typer(members_app, name="members")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(news_app, name="news")
app.add_typer(assembly_app, name="assembly")
app.add_typer(issue_app, name="issue")
app.add_typer(intake_app, name="intake")
app.add_typer(admin_app, name="admin")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _(message: str) -> str:
    """Translate a CLI message into the coordinator's language (French)."""
    return gettext(DEFAULT_LANGUAGE, message)


@contextmanager
def service(*, migrate: bool = False) -> Iterator[Service]:
    """Settings from the environment, the database, and the service over them.

    Only ``init`` migrates (and ``serve`` / ``demo``, which open their own context); the
    other commands check that the schema is the newest and stop with a one-line
    ``SchemaError`` otherwise (``intake eml`` exits 75 so that the MTA tries again)."""
    ctx = open_context(load_settings(), migrate=migrate)
    try:
        if not migrate:
            ctx.db.check_schema()
    except BaseException:
        ctx.close()
        raise
    try:
        yield Service(ctx)
    finally:
        ctx.close()


def print_json(document: Any) -> None:
    """One JSON document on stdout; typed service results print their ``as_json()``."""
    sys.stdout.write(
        json.dumps(_jsonable(document), ensure_ascii=False, indent=2, default=str) + "\n"
    )


def _jsonable(document: Any) -> Any:
    if isinstance(document, JsonResult):
        return document.as_json()
    if isinstance(document, list | tuple):
        return [_jsonable(value) for value in document]
    return document
