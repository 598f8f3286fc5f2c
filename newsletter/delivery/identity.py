"""Deterministic identifiers of what we send: the Message-ID of (issue, recipient).

The same recipient of the same issue always gets the same Message-ID, so a message
sent twice (the bounded window of a crash, see ``worker``) is recognisable as one. The
format is the rendering stage's, so that a preview shows exactly what is sent.
"""

from __future__ import annotations

from newsletter.render.preview import message_id

__all__ = ["message_id"]
