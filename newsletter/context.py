"""The explicit dependencies of a running application: settings and database."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.config import Settings
from newsletter.store.db import Database


@dataclass
class Context:
    settings: Settings
    db: Database

    def close(self) -> None:
        self.db.dispose()


def open_context(settings: Settings, *, migrate: bool = True) -> Context:
    """Connect to the configured database and bring its schema up to date."""
    db = Database.from_url(settings.effective_database_url)
    if migrate:
        db.migrate()
    return Context(settings=settings, db=db)
