"""Commands of the foundation: init, config, members, subscribers, lists."""

from __future__ import annotations

from rich.table import Table

from newsletter.cli.common import app, console, service
from newsletter.config import describe, load_settings


@app.command()
def init() -> None:
    """Create or migrate the database (idempotent)."""
    with service() as svc:
        console.print(f"Base de données prête : {svc.ctx.db.engine.url.render_as_string()}")


@app.command()
def config() -> None:
    """Every setting, its value (secrets masked) and its help."""
    table = Table("Variable", "Valeur", "Aide")
    for name, value, help_text in describe(load_settings()):
        table.add_row(name, value, help_text)
    console.print(table)
