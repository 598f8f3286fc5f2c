"""The e-mail templates and segment lists shipped with the application.

In an installed package they are package data (``newsletter/defaults/templates`` and
``newsletter/defaults/lists``, copied from the top-level ``templates/`` and ``lists/`` of
the source tree when the wheel is built, see ``pyproject.toml``); in a source checkout
they are those top-level folders. A coordinator's own folders (TEMPLATES_DIR, LISTS_DIR)
come first: see ``config.Settings``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

Shipped = Literal["templates", "lists"]


def shipped_dir(name: Shipped) -> Path:
    """The folder of the shipped ``templates`` or ``lists``."""
    packaged = files("newsletter") / "defaults" / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name
