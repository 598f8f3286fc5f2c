"""What the poster is told, in their language: their post waits for a moderator, or
was not relayed (with the moderator's words). Never sent for a dropped post (a loop or
a machine's mail) nor to a message that must not be answered (RFC 3834): the intake's
``may_acknowledge`` decides. Marked ``Auto-Submitted: auto-replied``, sent with the
null envelope sender, so nothing answers it back. Once the mail server took it,
``mark_told`` records when (``held_notified_at``, ``rejected_notified_at``).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from newsletter.audience.segments import Segment
from newsletter.config import Settings
from newsletter.i18n import N_, Msg, gettext
from newsletter.intake.mail.headers import clean_address
from newsletter.store.base import utcnow
from newsletter.store.mailinglist import ListPost
from newsletter.text import one_line

HELD_SUBJECT = N_("Your message to {list} waits for a moderator")
HELD_BODY = N_(
    "Hello,\n\nYour message \u201c{subject}\u201d to {list} ({address}) has been received. "
    "A moderator reads it before it goes to the members, because: {reason}.\n\n"
    "This is an automatic message; there is no need to answer it."
)
REJECTED_SUBJECT = N_("Your message to {list} was not relayed")
REJECTED_BODY = N_(
    "Hello,\n\nYour message \u201c{subject}\u201d to {list} ({address}) was not sent to "
    "the members. The moderator's reason: {reason}\n\n"
    "This is an automatic message; there is no need to answer it."
)


def build_notice(
    settings: Settings, segment: Segment, post: ListPost, *, held: bool, reason: Msg | str
) -> bytes | None:
    """The notice to the poster as bytes, or None when the address is not usable."""
    assert segment.posting is not None
    to = clean_address(post.sender)
    if not to:
        return None
    lang = post.language.value
    title = segment.title_in(lang)
    text = reason.render(lang) if isinstance(reason, Msg) else reason
    values = {
        "list": title,
        "address": segment.posting.address,
        "subject": one_line(post.subject)[:200] or "-",
        "reason": text,
    }
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.from_address_in(lang)
    message["To"] = to
    subject = gettext(lang, HELD_SUBJECT if held else REJECTED_SUBJECT).format(**values)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(settings.from_address)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid("list", domain=domain)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Loop"] = segment.posting.address
    if post.message_id:
        message["In-Reply-To"] = post.message_id
        message["References"] = post.message_id
    body = gettext(lang, HELD_BODY if held else REJECTED_BODY).format(**values)
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = lang
    return message.as_bytes()


def mark_told(post: ListPost, *, held: bool, at: datetime | None = None) -> None:
    """Record that the poster was sent the held (or, ``held=False``, the rejected) notice."""
    if held:
        post.held_notified_at = at or utcnow()
    else:
        post.rejected_notified_at = at or utcnow()
