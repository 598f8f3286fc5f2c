"""Deterministic identifiers of what we send: the Message-ID of (issue, recipient).

The same recipient of the same issue always gets the same Message-ID, so a message
sent twice (the bounded window of a crash, see ``worker``) is recognisable as one; it
carries an HMAC under the secret key, so that a bounce quoting it proves it is about
one of our deliveries. The one definition is ``newsletter.message_ids``, shared with
the rendering stage's preview, so that a preview shows exactly what is sent.
"""

from __future__ import annotations

from newsletter.message_ids import IssueMessageIds, message_id, verify

__all__ = ["IssueMessageIds", "message_id", "verify"]
