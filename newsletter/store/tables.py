"""Every table module, for what needs the whole schema (migrations, comparisons)."""

from __future__ import annotations

import importlib

from newsletter.store.base import Base

#: the table modules of the store, each registering its tables on ``Base.metadata``
TABLE_MODULES = (
    "access", "assemblies", "audience", "clicks", "delivery", "editorial", "intake",
    "mailinglist",
)  # fmt: skip


def load_all() -> type[Base]:
    """``Base`` with every table of the store registered on its metadata."""
    for name in TABLE_MODULES:
        importlib.import_module(f"newsletter.store.{name}")
    return Base
