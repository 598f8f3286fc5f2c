"""SQL store: tables (one module per stage), engine and migrations.

Each table module registers its tables on ``Base.metadata`` when imported, and a
process imports only the ones it uses (``issue send`` needs neither the web accounts nor
the intake tables). ``newsletter.store.Base`` (and ``tables.load_all``) registers every
table first: what migrations and schema comparisons need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsletter.store.base import Base as Base


def __getattr__(name: str) -> Any:
    if name == "Base":
        from newsletter.store.tables import load_all

        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
