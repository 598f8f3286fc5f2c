"""The event loop the sender runs on.

uvloop (libuv) when it is installed, else asyncio's own loop. The sender spends most
of its CPU in the event loop and socket calls (a write and a read per message);
uvloop does that work in C, which sends more messages per CPU-second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop when available."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; kept optional
        return asyncio.run(main)
    return uvloop.run(main)
