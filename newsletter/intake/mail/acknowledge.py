"""The acknowledgement e-mail to a known partner (optional: ``INTAKE_ACKNOWLEDGE``).

Built from our own settings and checked values only: the recipient is the validated
sender address (no display name), the title is the one-line title of the item, and
``In-Reply-To`` is set only from a well-formed Message-ID. It is marked
``Auto-Submitted: auto-replied`` (RFC 3834) and goes out with an empty envelope sender,
so that nothing ever answers it back.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from newsletter.config import Settings
from newsletter.i18n import LANGUAGES, N_, gettext
from newsletter.intake.mail.headers import clean_address
from newsletter.store.base import utcnow
from newsletter.text import one_line

_SAFE_MSGID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]{3,250}$")

SUBJECT = N_("We have received your news: {title}")
BODY = N_(
    "Hello,\n\nThank you: your news \u201c{title}\u201d has reached {network}. The "
    "coordination team will read it before it appears in the newsletter.\n\nThis is an "
    "automatic message; there is no need to answer it."
)


def build_acknowledgement(
    settings: Settings, *, to: str, title: str, in_reply_to: str = "", language: str = ""
) -> bytes | None:
    """The acknowledgement as bytes (CRLF), or None when the address is not usable; in
    the sender's ``language`` when known, in French then Dutch otherwise."""
    langs = (language,) if language in LANGUAGES else LANGUAGES
    address = clean_address(to)
    if not address:
        return None
    title = one_line(title)[:200]
    message = EmailMessage(policy=SMTP)
    message["From"] = (
        settings.from_address_in(langs[0]) if len(langs) == 1 else settings.from_address
    )
    message["To"] = address
    subject = " / ".join(gettext(lang, SUBJECT).format(title=title) for lang in langs)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(settings.from_address)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid("ack", domain=domain)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    if in_reply_to and _SAFE_MSGID.match(in_reply_to):
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    text = "\n\n-----\n\n".join(
        gettext(lang, BODY).format(
            title=title, network=one_line(settings.organisation_name_in(lang))
        )
        for lang in langs
    )
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = ", ".join(langs)
    return message.as_bytes()
