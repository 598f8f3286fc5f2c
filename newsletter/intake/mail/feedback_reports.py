"""Complaint reports of mailbox providers' feedback loops (ARF, RFC 5965).

A provider whose user pressed "this is spam" sends a ``multipart/report;
report-type=feedback-report`` with three parts: a text for people, the
``message/feedback-report`` fields (``Feedback-Type``, ``Original-Mail-From``,
``Original-Rcpt-To``…) and the original message or its headers. ``read_feedback_report``
reads it into a ``FeedbackReport`` or says, as a ``Msg``, why it cannot (a report without
its fields, without the original, of an unknown version): the caller quarantines it
with that reason. Which delivery a report is about is the delivery stage's to prove
(``delivery.bounces``): the VERP token of the original's envelope sender or its signed
Message-ID, as for bounces.

Providers often hide the recipient (``redacted@``, ``xxxxx@``, no ``Original-Rcpt-To``):
such an address is not an address (``stated_recipients`` leaves it out).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string
from email.message import Message

from newsletter.i18n import N_, Msg
from newsletter.intake.mail.charset import unsurrogate
from newsletter.intake.mail.headers import addresses, clean_address, header, message_id, raw_values

#: the feedback types that are a recipient's complaint (RFC 5965 §7.3; "fraud" is a
#: phishing report, also a complaint about the message)
COMPLAINT_TYPES = frozenset({"abuse", "fraud"})
#: local parts providers put in place of the recipient's address
_REDACTED = re.compile(r"^(?:redacted|x{3,}|\*+|anonymous|removed|hidden|unknown)", re.I)
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


@dataclass
class FeedbackReport:
    """What an ARF report says (values on one line, addresses cleaned)."""

    feedback_type: str
    user_agent: str = ""
    reporting: str = ""
    #: the original's envelope sender (our VERP address) and Return-Path
    envelope_addresses: list[str] = field(default_factory=list)
    #: the recipients the report states: its Original-Rcpt-To, else the original's To
    #: (none when the provider hid them)
    recipients: list[str] = field(default_factory=list)
    original_message_id: str = ""

    @property
    def complaint(self) -> bool:
        return self.feedback_type in COMPLAINT_TYPES


def is_feedback_report(message: Message) -> bool:
    """An ARF report: ``multipart/report; report-type=feedback-report`` or a message
    carrying a ``message/feedback-report`` part."""
    report_type = str(message.get_param("report-type") or "").strip().lower()
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        return True
    return any(p.get_content_type() == "message/feedback-report" for p in message.walk())


def _fields(part: Message) -> Message | None:
    """The report fields: a parsed block, or text to parse (a part some providers
    base64-encode although RFC 5965 says 7bit)."""
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if isinstance(payload, list):
        block = next((p for p in payload if isinstance(p, Message)), None)
        if block is not None and len(block.keys()) > 0 and encoding != "base64":
            return block
        if block is None or encoding != "base64":
            return None
        # the parser took the encoded text for a message without headers
        try:
            decoded = base64.b64decode(str(block.get_payload()).encode("ascii", "replace"))
        except (binascii.Error, ValueError):
            return None
        return message_from_bytes(decoded.strip() + b"\n") if decoded.strip() else None
    data = part.get_payload(decode=True)
    if isinstance(data, bytes) and data.strip():
        return message_from_bytes(data.strip() + b"\n")
    if isinstance(payload, str) and payload.strip():
        return message_from_string(payload.strip() + "\n")
    return None


def _original(message: Message) -> Message | None:
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data.strip():
                return message_from_bytes(data)
        elif ctype == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data.strip():
                return message_from_bytes(data)
    return None


def stated(address: str) -> str:
    """A real address, or "" for one the provider hid."""
    address = clean_address(unsurrogate(address))
    if not address or _REDACTED.match(address.rpartition("@")[0]):
        return ""
    return address


def read_feedback_report(message: Message) -> FeedbackReport | Msg:
    """The report, or why it cannot be read (see the module docstring)."""
    part = next(
        (p for p in message.walk() if p.get_content_type() == "message/feedback-report"), None
    )
    if part is None:
        return Msg(N_("Complaint report (ARF) without its report part: nothing was changed."))
    fields = _fields(part)
    if fields is None:
        return Msg(N_("Complaint report (ARF) whose report part is empty: nothing was changed."))
    kind = header(fields, "Feedback-Type").lower()
    if not _TYPE.match(kind):
        return Msg(N_("Complaint report (ARF) without a valid Feedback-Type: nothing was changed."))
    version = header(fields, "Version")
    if version and version.strip() not in ("1", "0.1"):
        return Msg(
            N_("Complaint report (ARF) of an unknown version ({version}): nothing was changed."),
            {"version": version[:20]},
        )
    original = _original(message)
    if original is None:
        return Msg(
            N_(
                "Complaint report (ARF) without the original message: it cannot be matched "
                "to a delivery. Nothing was changed."
            )
        )
    envelope = [clean_address(unsurrogate(v)) for v in raw_values(fields, "Original-Mail-From")]
    envelope += addresses(original, "Return-Path")
    # the envelope recipient the provider states; the original's To only without it
    recipients = [stated(v) for v in raw_values(fields, "Original-Rcpt-To")]
    if not any(recipients):
        recipients = [stated(a) for a in addresses(original, "To")]
    unique_recipients: list[str] = []
    for address in recipients:
        if address and address.lower() not in {r.lower() for r in unique_recipients}:
            unique_recipients.append(address)
    return FeedbackReport(
        feedback_type=kind,
        user_agent=header(fields, "User-Agent")[:200],
        reporting=header(fields, "Reporting-MTA")[:200],
        envelope_addresses=[a for a in dict.fromkeys(envelope) if a],
        recipients=unique_recipients,
        original_message_id=message_id(original),
    )
