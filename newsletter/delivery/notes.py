"""What the sender itself says about a delivery, beside the receiving server's reply.

A delivery keeps the server's reply as received (``Delivery.last_reply``: shown as it
is, escaped) and, when the sender has something to add, a message id with parameters
(``Delivery.reply_note``, ``reply_note_params``), translated when shown: it gave up
after several attempts, the server did not answer at all, the recipient left before
delivery, the send was cancelled, the message could not be built.
"""

from __future__ import annotations

from typing import Any

from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg

GAVE_UP = N_("gave up after {attempts} attempts")
NO_REPLY = N_("no reply from the mail server")
UNSUBSCRIBED = N_("unsubscribed before delivery")
CANCELLED = N_("cancelled before delivery")
NOT_BUILT = N_("the message could not be built ({error})")
#: a note followed by the server's reply
NOTE_AND_REPLY = N_("{note}: {reply}")


def note_of(msgid: str, params: dict[str, Any] | None) -> Msg | None:
    """The note stored as ``msgid`` and ``params`` (None when there is none)."""
    return Msg.stored(msgid, params) if msgid else None


def stored(note: Msg | None) -> tuple[str, dict[str, Any] | None]:
    """``(msgid, params)`` as the deliveries table keeps them."""
    return (note.msgid, note.stored_params()) if note is not None else ("", None)


def shown(note: Msg | None, reply: str) -> Msg:
    """The note and the server's reply as one message (the reply as received)."""
    if note is None:
        return Msg.as_written(reply)
    if not reply:
        return note
    return Msg(NOTE_AND_REPLY, {"note": note, "reply": reply})


def reply_text(note: Msg | None, reply: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """What a person reads of a delivery's last reply, in ``lang``."""
    return shown(note, reply).render(lang)
