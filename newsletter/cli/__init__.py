"""Command line (Typer) over the service layer.

Exit codes: 0 success, 1 user error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import sys

import click

from newsletter.cli import audience as _audience  # noqa: F401  (registers commands)
from newsletter.cli import editorial as _editorial  # noqa: F401
from newsletter.cli.common import _, app
from newsletter.errors import NewsletterError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``newsletter`` command; returns the exit code."""
    try:
        result = app(args=argv, prog_name="newsletter", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.exceptions.UsageError as error:
        error.show()
        return 2
    except click.exceptions.ClickException as error:
        error.show()
        return 1
    except click.exceptions.Abort:
        sys.stderr.write(_("Aborted.") + "\n")
        return 1
    except NewsletterError as error:
        sys.stderr.write(_("Error: ") + error.localized() + "\n")
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


__all__ = ["app", "main", "run"]
