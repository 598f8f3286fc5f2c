"""Command line (Typer) over the service layer.

Exit codes: 0 success, 1 user error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

import typer
import typer.main
from typer.exceptions import TyperException

from newsletter.cli.common import _, app, shown
from newsletter.errors import NewsletterError
from newsletter.faults import storage_error

#: the modules whose import registers the commands
COMMAND_MODULES = (
    "assembly", "audience", "delivery", "editorial", "intake", "issue_life", "issue_blocks",
    "lists", "report", "send", "web",
)  # fmt: skip


def load_commands(argv: list[str]) -> None:
    """Register the commands: all of them, except for ``issue send``, which loads only
    its own (the sender process imports what sending needs, not the web, intake or
    directory import code, and starts its render child before it loads the engine)."""
    import importlib

    wanted = ("send",) if argv[:2] == ["issue", "send"] else COMMAND_MODULES
    for name in wanted:
        importlib.import_module(f"newsletter.cli.{name}")


def _registered(typer_app: typer.Typer) -> tuple[object, ...]:
    """What the click command tree of ``typer_app`` is built from: its commands and, in
    turn, those of its sub-apps."""
    return (
        tuple(id(command) for command in typer_app.registered_commands),
        tuple(
            _registered(group.typer_instance) if group.typer_instance else id(group)
            for group in typer_app.registered_groups
        ),
    )


@functools.cache
def _click_main(registered: tuple[object, ...]) -> Callable[..., Any]:
    """The entry of the click command of ``app`` for the commands ``registered`` now.
    Calling ``app`` builds that command again each time (~0.1 s of CPU for some seventy
    commands), which a process running several commands (the test suite runs hundreds)
    would pay per command; ``app`` disables Typer's pretty tracebacks, the only other
    thing its call adds."""
    return typer.main.get_command(app).main


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``newsletter`` command; returns the exit code."""
    load_commands(sys.argv[1:] if argv is None else argv)
    run_command = _click_main(_registered(app))
    try:
        result = run_command(args=argv, prog_name="newsletter", standalone_mode=False)
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except typer.Abort:
        sys.stderr.write(_("Aborted.") + "\n")
        return 1
    except NewsletterError as error:
        sys.stderr.write(_("Error: ") + shown(error.localized(), lines=True) + "\n")
        return 1
    except TyperException as error:  # usage errors (exit code 2) and other click errors
        show = getattr(error, "show", None)
        if callable(show):
            show()
        return int(getattr(error, "exit_code", 2))
    except Exception as error:  # the database gone, the disk full: one line, no data
        message = storage_error(error)
        if message is None:
            raise
        logging.getLogger("newsletter").error("command failed: %s", message, exc_info=error)
        sys.stderr.write(_("Error: ") + message.render() + "\n")
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    """The ``newsletter`` process: the command's modules loaded, then set aside from the
    cyclic garbage collector (``gc.freeze``: they live as long as the process, and a
    full collection scanning them cost ~0.05 s, in the sender and again in its render
    child), then the command."""
    argv = sys.argv[1:]
    _log_to_file(argv)
    load_commands(argv)
    gc.freeze()
    gc.enable()
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process with ``code`` once the command is over: its output flushed and
    its log closed, without tearing the interpreter down object by object (~0.17 s of
    CPU after an ``issue send``, every module and cached statement freed in turn, for
    a process that ends anyway). Every file and database connection of a command is
    closed by the command itself; a thread still running (none should) gets the usual
    exit, which waits for it."""
    main_thread = threading.main_thread()
    if any(not t.daemon for t in threading.enumerate() if t is not main_thread):
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone: nothing more to say
            stream.flush()
    os._exit(code)


def _log_to_file(argv: list[str]) -> None:
    """Commands log to ``DATA_DIR/newsletter.log`` (warnings and errors, with their
    detail), so the terminal gets one line per error; ``serve`` and ``demo`` keep
    logging to stderr as services do."""
    if argv[:1] in (["serve"], ["demo"]):
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return
    try:
        from newsletter.config import load_settings

        folder = load_settings().data_dir
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "newsletter.log", delay=True)
    except Exception:  # no settings, no folder: the command will say so itself
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


__all__ = ["app", "main", "run"]
