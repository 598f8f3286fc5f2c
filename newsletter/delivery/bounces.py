"""Bounce messages: RFC 3464 delivery status notifications and the usual other formats.

``parse_bounce(message)`` returns ``None`` for anything that is not a bounce (an
out-of-office reply sent to the bounce address is not one) and otherwise a ``Bounce``:
the failed recipients with their status code, whether each failure is hard or soft,
and every address the bounce was sent to, where the VERP token of the delivery is.

Formats understood: ``multipart/report; report-type=delivery-status`` (Postfix, Exim,
Exchange/Office 365, Gmail, Sendmail…), qmail's "Hi. This is the qmail-send program",
Exim's plain-text "Mail delivery failed", Exchange's older plain-text NDR and, as a
last resort, any message from MAILER-DAEMON/postmaster whose text names a recipient
next to an SMTP error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.verp import delivery_id_from_address
from newsletter.intake.mail.automatic import is_out_of_office
from newsletter.intake.mail.charset import decode_bytes
from newsletter.intake.mail.headers import addresses, clean_address, header, one_line, sender
from newsletter.message_ids import verify as verify_message_id
from newsletter.models import DeliveryStatus
from newsletter.store.delivery import Delivery


class Action(StrEnum):
    failed = "failed"
    delayed = "delayed"
    other = "other"


@dataclass
class FailedRecipient:
    address: str
    #: enhanced status code (RFC 3463) such as "5.1.1", or "" when none was given
    status: str
    action: Action
    diagnostic: str
    hard: bool


@dataclass
class Bounce:
    format: str
    recipients: list[FailedRecipient] = field(default_factory=list)
    #: addresses the bounce was delivered to, and the original's Return-Path: the VERP
    #: token of the delivery is in one of them
    envelope_addresses: list[str] = field(default_factory=list)
    original_message_id: str = ""

    @property
    def failed(self) -> list[FailedRecipient]:
        return [r for r in self.recipients if r.action is Action.failed]


_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?<![\d.])([45]\d\d)(?:[ -]|$)")
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?")
_BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliver(?:able|ed)|returned mail|mail delivery (?:failed|failure|system)|"
    r"delivery (?:status notification|failure|has failed|notification)|failure notice|"
    r"non remis|non distribuable|onbestelbaar|niet bezorgd|unzustellbar|"
    r"message not delivered|could not send message|mail system error)",
    re.I,
)
#: where the copy of the original message starts in plain-text bounces
_ORIGINAL_STARTS = re.compile(
    r"^(?:---\s*Below this line is a copy of the message|"
    r"-+\s*(?:This is a copy of the message|Original message|Undelivered message)|"
    r"-+ ?The header of the original message is following|"
    r"Original message headers:|------ This is a copy)",
    re.I | re.M,
)
_HARD_TEXT = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)|"
    r"mailbox (?:unavailable|not found|does not exist)|does not exist|doesn't exist|"
    r"recipient (?:address )?rejected|invalid (?:recipient|mailbox|address)|"
    r"recipnotfound|address not found|no mailbox here|couldn't be found|"
    r"host or domain name not found|unrouteable address|account (?:is )?disabled|"
    r"n'existe pas|destinataire inconnu|onbekende gebruiker|bestaat niet",
    re.I,
)
_SOFT_TEXT = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota exceeded|insufficient (?:storage|space)|"
    r"try again later|temporar|greylist|rate limit|too many",
    re.I,
)
#: permanent status codes that still mean "may work later": full mailbox, message too
#: big, policy and spam rejections
_SOFT_PERMANENT = re.compile(r"^5\.(?:2\.2|2\.3|3\.4|7\.\d+)$")


def classify(status: str, diagnostic: str, *, action: Action = Action.failed) -> bool:
    """True when a failure is hard (the address will never work)."""
    if action is not Action.failed:
        return False
    if status.startswith("4"):
        return False
    if status.startswith("5"):
        if _SOFT_PERMANENT.match(status):
            return False
        return not _SOFT_TEXT.search(diagnostic) or bool(_HARD_TEXT.search(diagnostic))
    code = _SMTP_CODE.search(diagnostic)
    if code and code.group(1).startswith("4"):
        return False
    if _SOFT_TEXT.search(diagnostic):
        return False
    return bool(_HARD_TEXT.search(diagnostic)) or bool(code and code.group(1) in {"550", "553"})


def _status_of(text: str) -> str:
    match = _STATUS.search(text)
    if match:
        return ".".join(match.groups())
    code = _SMTP_CODE.search(text)
    if code:
        return f"{code.group(1)[0]}.0.0"
    return ""


def _texts(message: Message, limit: int = 4) -> list[str]:
    """The text parts of a message (outside returned originals), decoded."""
    found: list[str] = []

    def visit(part: Message) -> None:
        if len(found) >= limit:
            return
        ctype = part.get_content_type()
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            return
        if part.is_multipart():
            for child in part.get_payload():
                if isinstance(child, Message):
                    visit(child)
            return
        if ctype in ("text/plain", "text/html"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                text = decode_bytes(data, part.get_content_charset())
                if ctype == "text/html":
                    text = re.sub(r"<[^>]+>", " ", text)
                found.append(text)

    visit(message)
    return found


def _report_parts(message: Message) -> tuple[Message | None, Message | None]:
    """The ``message/delivery-status`` part and the returned original (or its headers)."""
    status: Message | None = None
    original: Message | None = None
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            status = part
        elif original is None and ctype in (
            "message/rfc822",
            "message/global",
            "text/rfc822-headers",
        ):
            original = part
    return status, original


def _original_headers(part: Message | None) -> Message | None:
    if part is None:
        return None
    if part.get_content_type() == "text/rfc822-headers":
        from email import message_from_bytes

        data = part.get_payload(decode=True)
        return message_from_bytes(data) if isinstance(data, bytes) else None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _field(block: Message, name: str) -> str:
    value = header(block, name)
    return value.split(";", 1)[1].strip() if ";" in value else value


def _dsn_recipients(status_part: Message) -> list[FailedRecipient]:
    blocks = [b for b in status_part.get_payload() if isinstance(b, Message)]
    if not blocks and isinstance(status_part.get_payload(), str):
        # an unparsed status part: split its fields into blocks at blank lines
        from email import message_from_string

        text = str(status_part.get_payload())
        blocks = [message_from_string(chunk) for chunk in re.split(r"\n\s*\n", text)]
    found: list[FailedRecipient] = []
    for block in blocks:
        final = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
        address = clean_address(final) if final else ""
        if not address:
            continue
        action_text = header(block, "Action").lower()
        action = (
            Action.failed
            if action_text.startswith("failed")
            else Action.delayed
            if action_text.startswith("delayed")
            else Action.other
        )
        status = _status_of(header(block, "Status"))
        diagnostic = one_line(_field(block, "Diagnostic-Code"))
        if not status:
            status = _status_of(diagnostic)
        found.append(
            FailedRecipient(
                address, status, action, diagnostic, classify(status, diagnostic, action=action)
            )
        )
    return found


def _before_original(text: str) -> str:
    match = _ORIGINAL_STARTS.search(text)
    return text[: match.start()] if match else text


def _text_recipients(text: str, own: set[str]) -> list[FailedRecipient]:
    """Recipients named in a plain-text bounce, each with the error text that follows."""
    text = _before_original(text)
    found: list[FailedRecipient] = []
    matches = [m for m in _ADDRESS.finditer(text) if clean_address(m.group(1)).lower() not in own]
    for index, match in enumerate(matches):
        address = clean_address(match.group(1))
        if not address or any(r.address.lower() == address.lower() for r in found):
            continue
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        context = one_line(text[match.end() : min(end, match.end() + 600)])
        before = one_line(text[max(0, match.start() - 300) : match.start()])
        status = _status_of(context) or _status_of(before)
        if not status and not _HARD_TEXT.search(context + " " + before):
            continue
        delayed = bool(re.search(r"\bdelayed\b|will (?:keep )?try|still trying", before, re.I))
        action = Action.delayed if delayed else Action.failed
        found.append(
            FailedRecipient(
                address,
                status,
                action,
                context[:500],
                classify(status, context + " " + before, action=action),
            )
        )
    return found


def looks_like_bounce(message: Message) -> bool:
    """A delivery report or a message from a mail system about a failed delivery."""
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type") or "").lower()
        if report_type in ("delivery-status", "global-delivery-status"):
            return True
    _name, address = sender(message)
    local = address.rpartition("@")[0].lower()
    if local.startswith(("mailer-daemon", "postmaster")):
        return True
    if is_out_of_office(message):
        return False
    return bool(_BOUNCE_SUBJECT.match(header(message, "Subject")))


def parse_bounce(message: Message, *, own_addresses: set[str] | None = None) -> Bounce | None:
    """Read a bounce; ``None`` when the message is not one (e.g. an out-of-office reply)."""
    if not looks_like_bounce(message):
        return None
    own = {a.lower() for a in (own_addresses or set())}
    envelope = addresses(
        message, "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc"
    )
    status_part, original_part = _report_parts(message)
    original = _original_headers(original_part)
    original_id = ""
    if original is not None:
        envelope += [a for a in addresses(original, "Return-Path", "Sender") if a not in envelope]
        mid = header(original, "Message-ID")
        original_id = mid.strip("<> ")
    own |= {a.lower() for a in envelope}
    own |= {address.lower() for _n, address in [sender(message)] if address}
    if status_part is not None:
        recipients = _dsn_recipients(status_part)
        if recipients:
            return Bounce("rfc3464", recipients, envelope, original_id)
    text = "\n".join(_texts(message))
    kind = (
        "qmail"
        if "qmail-send program" in text
        else "exim"
        if "mail delivery software" in text.lower()
        else "exchange"
        if re.search(
            r"did not reach some or all|could not be delivered to|delivery has failed", text, re.I
        )
        else "text"
    )
    recipients = _text_recipients(text, own)
    if not recipients:
        return None
    return Bounce(kind, recipients, envelope, original_id)


@dataclass
class Match:
    delivery_id: int
    email: str
    already_bounced: bool
    #: the failed recipient of the report that is the delivery's address
    recipient: FailedRecipient


@dataclass
class Unmatched:
    """A bounce that proves nothing: recorded for the coordinator, it changes no one.

    ``delivery_id`` is the delivery it proved to be about when the report names another
    address than that delivery's, None when it carried no proof at all.
    """

    delivery_id: int | None = None


def _proven_deliveries(session: Session, settings: Settings, bounce: Bounce) -> list[Delivery]:
    """Deliveries the bounce proves it is about: by a valid VERP token of the address
    it was sent to, or by the signed Message-ID of the returned original."""
    found: list[Delivery] = []
    for address in bounce.envelope_addresses:
        delivery_id = delivery_id_from_address(settings, address)
        if delivery_id is None:
            continue
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None and delivery not in found:
            found.append(delivery)
    if bounce.original_message_id and verify_message_id(settings, bounce.original_message_id):
        wanted = [bounce.original_message_id, f"<{bounce.original_message_id}>"]
        for delivery in session.scalars(select(Delivery).where(Delivery.message_id.in_(wanted))):
            if delivery not in found:
                found.append(delivery)
    return found


def match_delivery(session: Session, settings: Settings, bounce: Bounce) -> Match | Unmatched:
    """The delivery a bounce is about, only when the bounce proves it.

    Proof is a valid VERP token (HMAC) or a signed Message-ID (``message_ids``), **and**
    a failed recipient in the report that is the address of that delivery. Anything
    else (a guessed Message-ID, a token of another delivery, a report about another
    address) is ``Unmatched``: recorded for the coordinator, it changes no one.
    """
    deliveries = _proven_deliveries(session, settings, bounce)
    if not deliveries:
        return Unmatched()
    for delivery in deliveries:
        wanted = delivery.email.strip().lower()
        for recipient in bounce.failed:
            if recipient.address.strip().lower() == wanted:
                return Match(
                    delivery.id,
                    delivery.email,
                    delivery.status is DeliveryStatus.bounced,
                    recipient,
                )
    return Unmatched(deliveries[0].id)
