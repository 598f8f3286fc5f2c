"""Shared pieces of the command line: the Typer apps, settings, output helpers."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from newsletter.config import Settings, load_settings
from newsletter.context import open_context
from newsletter.i18n import DEFAULT_LANGUAGE, gettext
from newsletter.service import Service
from newsletter.service.json_result import JsonResult

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
lists_app = typer.Typer(
    help="The lists of lists/ (with no command: each with its number of recipients); the "
    "posts of the mailing lists and their moderation."
)
app.add_typer(members_app, name="members")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(news_app, name="news")
app.add_typer(assembly_app, name="assembly")
app.add_typer(issue_app, name="issue")
app.add_typer(intake_app, name="intake")
app.add_typer(admin_app, name="admin")
app.add_typer(lists_app, name="lists")

#: Rich markup, emoji codes and highlighting are off: a ``[/]`` or ``:x:`` in a title is
#: printed as written (our own messages use none of them)
console = Console(highlight=False, markup=False, emoji=False)
err_console = Console(stderr=True, highlight=False, markup=False, emoji=False)

#: what a terminal would act on: C0 and C1 controls (ESC, CSI, BEL, CR, backspace…),
#: DEL, and the bidirectional overrides that make text display in another order
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_BIDI}]")
_CONTROL_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object, *, lines: bool = False) -> str:
    """Any text from outside (titles, names, addresses, replies, errors) as the CLI prints
    it: control characters become visible ``\\x1b``-style escapes, so content can neither
    move the cursor, recolour, retitle the terminal nor fake a line (``lines=True`` keeps
    line breaks). Every value from content goes through here before it is printed."""
    text = str(value)
    return (_CONTROL_LINES if lines else _CONTROL).sub(_visible, text)


def list_names(to: str) -> list[str]:
    """The lists of a ``--to`` option: comma-separated names, blanks left out."""
    return [part.strip() for part in to.split(",") if part.strip()]


def _(message: str) -> str:
    """Translate a CLI message into the coordinator's language (French)."""
    return gettext(DEFAULT_LANGUAGE, message)


@contextmanager
def service(*, migrate: bool = False, settings: Settings | None = None) -> Iterator[Service]:
    """Settings from the environment (or ``settings``, read so already), the database,
    and the service over them.

    Only ``init`` migrates (and ``serve`` / ``demo``, which open their own context); the
    other commands check that the schema is the newest and stop with a one-line
    ``SchemaError`` otherwise (``intake eml`` exits 75 so that the MTA tries again)."""
    ctx = open_context(load_settings() if settings is None else settings, migrate=migrate)
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


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}]")


def print_json(document: Any) -> None:
    """One JSON document on stdout; typed service results print their ``as_json()``.
    C0 controls are escaped by ``json``, the C1 ones and bidi overrides here (still the
    same strings for a JSON reader)."""
    text = json.dumps(_jsonable(document), ensure_ascii=False, indent=2, default=str)
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    sys.stdout.write(text + "\n")


def _jsonable(document: Any) -> Any:
    if isinstance(document, JsonResult):
        return document.as_json()
    if isinstance(document, list | tuple):
        return [_jsonable(value) for value in document]
    return document
