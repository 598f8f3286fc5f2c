"""Why a recipient did not get an issue, in words a coordinator reads.

The outbox stores what the receiving server said (the SMTP reply, with its basic code
and its RFC 3463 enhanced status code) as received, and what the sender itself adds as
a message id (``delivery.notes``: gave up after the last retry, no reply at all, the
message could not be built); the reason is derived from both when the report is shown,
as a stable key (``Reason``) with an English message id translated into French or Dutch
by the catalogues. Nothing translated is stored, and no text of ours is parsed.

The enhanced status code decides first (``5.1.1`` unknown address, ``5.1.2`` domain
that does not exist, ``x.2.2`` mailbox full, ``5.7.x`` refused as spam or by policy,
``4.7.x`` greylisting…), then the known texts and the basic code through
``intake.mail.bounce_codes``, which also judges hard and soft bounces.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from newsletter.delivery import notes
from newsletter.i18n import N_
from newsletter.intake.mail import bounce_codes as codes
from newsletter.models import DeliveryStatus as D

#: delivery statuses that carry a reason
FAILING = (D.failed_temporary, D.failed_permanent, D.bounced, D.skipped)


class Reason(StrEnum):
    unknown_address = "unknown_address"
    no_domain = "no_domain"
    mailbox_full = "mailbox_full"
    mailbox_disabled = "mailbox_disabled"
    spam = "spam"
    greylisted = "greylisted"
    temporary = "temporary"
    gave_up = "gave_up"
    too_big = "too_big"
    our_sender = "our_sender"
    loop = "loop"
    protocol = "protocol"
    unreachable = "unreachable"
    not_sent = "not_sent"
    not_built = "not_built"
    unknown = "unknown"


#: the readable sentence of each reason (English message id, translated when shown)
MESSAGES: dict[Reason, str] = {
    Reason.unknown_address: N_("Unknown address: the receiving server has no such mailbox"),
    Reason.no_domain: N_("The domain of the address does not exist"),
    Reason.mailbox_full: N_("The mailbox is full"),
    Reason.mailbox_disabled: N_("The mailbox is disabled or not accepting mail"),
    Reason.spam: N_("Refused as spam or by the receiving server's policy"),
    Reason.greylisted: N_(
        "Greylisted: the receiving server asked us to come back later; it will be retried"
    ),
    Reason.temporary: N_("A temporary failure; it will be retried"),
    Reason.gave_up: N_(
        "The receiving server kept refusing for now; we gave up after several attempts"
    ),
    Reason.too_big: N_("The message is too large for the receiving server"),
    Reason.our_sender: N_("A problem with our sender address, not the recipient's"),
    Reason.loop: N_("A mail loop between servers"),
    Reason.protocol: N_("A protocol or message format error, not the address's fault"),
    Reason.unreachable: N_("The receiving server could not be reached"),
    Reason.not_sent: N_("Not sent: unsubscribed or cancelled before delivery"),
    Reason.not_built: N_("Not sent: the message could not be built (see the log)"),
    Reason.unknown: N_("Refused without a known cause"),
}

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_BASIC = re.compile(r"^\s*([245]\d\d)(?:[ -]|$)")
_ADDRESS = re.compile(r"<[^<>]*>|[^\s<>]+@[^\s<>]+")
_NO_DOMAIN_TEXT = re.compile(
    r"domain (?:name )?(?:not found|does not exist|doesn't exist)|host or domain name not found|"
    r"name service error|no mx|nxdomain|unrouteable",
    re.I,
)
_GREYLIST_TEXT = re.compile(r"grey ?list|gray ?list", re.I)

_FROM_VERDICT: dict[str, Reason] = {
    codes.NO_SUCH_ADDRESS: Reason.unknown_address,
    codes.MAILBOX_FULL: Reason.mailbox_full,
    codes.MAILBOX_DISABLED: Reason.mailbox_disabled,
    codes.SYSTEM_BUSY: Reason.temporary,
    codes.TEMPORARY: Reason.temporary,
    codes.DELAYED: Reason.temporary,
    codes.UNKNOWN: Reason.unknown,
    codes.TOO_BIG: Reason.too_big,
    codes.POLICY: Reason.spam,
    codes.LOOP: Reason.loop,
    codes.PROTOCOL: Reason.protocol,
    codes.OUR_SENDER: Reason.our_sender,
    codes.REFUSED: Reason.unknown,
}


def enhanced_code(reply: str) -> str:
    """The first RFC 3463 code (``5.1.1``) of a reply, or ""."""
    found = _ENHANCED.search(reply)
    return found.group(0) if found else ""


def reason_of(status: D | str, reply: str, note: str = "") -> Reason | None:
    """The reason of one delivery (None when it was sent or is still on its way) from
    its status, the server's reply and the message id of the sender's note."""
    status = D(status)
    if status not in FAILING:
        return None
    if status is D.skipped:
        return Reason.not_sent
    if note == notes.NOT_BUILT:
        return Reason.not_built
    text = reply.strip()
    if note == notes.NO_REPLY or (note == notes.GAVE_UP and not _has_code(text)):
        return Reason.unreachable  # no server answered: a connection error
    reason = _reason_of_reply(_ADDRESS.sub("<>", text)[:400])
    if status is D.failed_permanent and reason in (Reason.greylisted, Reason.temporary):
        return Reason.gave_up  # a temporary refusal that lasted past the last retry
    return reason


def _has_code(reply: str) -> bool:
    return bool(_BASIC.search(reply) or enhanced_code(reply))


@lru_cache(maxsize=4096)
def _reason_of_reply(text: str) -> Reason:
    code = enhanced_code(text)
    basic = _BASIC.search(text)
    if not code and not basic:
        if _NO_DOMAIN_TEXT.search(text):
            return Reason.no_domain
        verdict = codes.classify("", text)
        if verdict.reason in (codes.UNKNOWN, codes.TEMPORARY):
            return Reason.unreachable  # no server reply: a connection error
        return _FROM_VERDICT.get(verdict.reason, Reason.unknown)
    if code:
        klass, subject, detail = code.split(".")
        if klass == "5" and (
            (subject, detail) in (("1", "2"), ("4", "4"))
            or (subject == "1" and _NO_DOMAIN_TEXT.search(text))
        ):
            return Reason.no_domain
        if klass == "4" and (subject == "7" or _GREYLIST_TEXT.search(text)):
            return Reason.greylisted
    elif _GREYLIST_TEXT.search(text):
        return Reason.greylisted
    verdict = codes.classify(code, text)
    return _FROM_VERDICT.get(verdict.reason, Reason.unknown)


def is_hard(reply: str) -> bool:
    """Whether a permanent SMTP reply says the address will never work (5.1.1 user
    unknown, 5.1.2 no such domain, "550 user unknown"…): such a reply during a send
    makes the subscriber ``bounced`` at once."""
    text = reply.strip()
    if not text.startswith("5") and not enhanced_code(text).startswith("5"):
        return False
    return codes.classify(enhanced_code(text), text).hard
