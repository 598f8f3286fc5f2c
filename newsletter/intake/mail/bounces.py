"""Bounce messages: recognise them, find the failed addresses and what each failure means.

``parse_bounce(message)`` returns ``None`` for anything that is not a bounce (an
out-of-office reply sent to the bounce address is not one) and otherwise a ``Bounce``:
the failed recipients with their status code and verdict (hard, soft or not the
address's fault, ``bounce_codes``), and every address the bounce was sent to, where the
VERP token of the delivery is. A message that looks like a bounce but names no failed
address is still a ``Bounce`` (with no recipients): it is never news.

The RFC 3464 report (``message/delivery-status``) is read here, for the status codes;
every other format (qmail, Exim, Postfix, Exchange and Microsoft, Yahoo, AOL, GroupWise,
Sendmail, SMTP32…) is recognised by Mailman's detectors (``flufl.bounce``), and the
diagnostic of each address is taken from the text next to it. Matching a bounce to one
of our deliveries is the delivery stage's (``delivery.bounces``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string
from email.message import Message
from enum import StrEnum

from flufl.bounce import all_failures

from newsletter.intake.mail.automatic import is_out_of_office
from newsletter.intake.mail.bounce_codes import Severity, Verdict, basic_code, classify
from newsletter.intake.mail.charset import decode_bytes
from newsletter.intake.mail.headers import addresses, clean_address, header, sender
from newsletter.text import one_line

log = logging.getLogger(__name__)


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
    verdict: Verdict
    #: the DSN's Original-Recipient when it differs from the address (a forward): the
    #: address we sent to, also used to match the delivery
    original: str = ""

    @property
    def addresses(self) -> list[str]:
        return [a for a in (self.address, self.original) if a]

    @property
    def hard(self) -> bool:
        return self.verdict.hard

    @property
    def severity(self) -> Severity:
        return self.verdict.severity


@dataclass
class Bounce:
    #: which reading found the recipients: "rfc3464", "flufl:<detector>" or "text"
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
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?")
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:undeliver(?:able|ed)|returned mail|mail delivery|"
    r"delivery (?:status notification|failure|has failed|notification|report|problem)|"
    r"failure (?:notice|delivery)|failed mail|mail (?:system )?error|mail not delivered|"
    r"mail could not be delivered|mail failed|permanent delivery failure|non-delivery|"
    r"delayed mail|message delayed|warning: message .*(?:delayed|not yet been delivered)|"
    r"message delivery failure|"
    r"non remis|non distribuable|échec de (?:la )?remise|onbestelbaar|niet bezorgd|"
    r"unzustellbar|message not delivered|could not send message|utilisateur non recensé)",
    re.I,
)
#: local parts of mail systems that send reports
_SYSTEM_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|mdaemon|mail\.delivery\.system|ndr|e500_smtp_mail_service|"
    r".*antivirus.*|imss|inetgw\d*)$",
    re.I,
)
#: where the copy of the original message starts in plain-text bounces
_ORIGINAL_STARTS = re.compile(
    r"^(?:---\s*Below this line is a copy of the message|"
    r"-+\s*(?:This is a copy of the message|Original message|Undelivered message)|"
    r"-+ ?The header of the original message is following|"
    r"Original message headers:|------ This is a copy|"
    r"-+ *(?:Header|Copy) of the (?:source|original) (?:mail|message))",
    re.I | re.M,
)
_ERROR_HINT = re.compile(
    r"user unknown|unknown user|no such|does not exist|doesn't exist|not found|invalid|"
    r"rejected|mailbox|quota|refused|denied|failed|undeliverable|cannot be delivered|"
    r"disabled|discontinued|unknown|account|permanent|error",
    re.I,
)


def _status_of(text: str) -> str:
    match = _STATUS.search(text)
    if match:
        return ".".join(match.groups())
    code = basic_code(text)
    if code:
        return f"{code[0]}.0.0"
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
        if part.get_content_maintype() == "text":
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
            status = status or part
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
        data = part.get_payload(decode=True)
        return message_from_bytes(data) if isinstance(data, bytes) else None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _field(block: Message, name: str) -> str:
    value = header(block, name)
    return value.split(";", 1)[1].strip() if ";" in value else value


def _action(text: str) -> Action:
    text = text.strip().lower()
    if text.startswith(("fail", "error")):  # RFC 3464 says "failed"; "failure", "error" seen
        return Action.failed
    if text.startswith("delay"):
        return Action.delayed
    return Action.other


def _dsn_recipients(status_part: Message) -> list[FailedRecipient]:
    blocks = [b for b in status_part.get_payload() if isinstance(b, Message)]
    if not blocks and isinstance(status_part.get_payload(), str):
        # an unparsed status part: split its fields into blocks at blank lines
        text = str(status_part.get_payload())
        blocks = [message_from_string(chunk) for chunk in re.split(r"\n\s*\n", text)]
    found: list[FailedRecipient] = []
    for block in blocks:
        # Final-Recipient, else (missing or unusable: "LOCAL;", "<>") Original-Recipient
        final = clean_address(_field(block, "Final-Recipient"))
        original = clean_address(_field(block, "Original-Recipient"))
        address = final or original
        if not address:
            continue
        original = original if original.lower() != address.lower() else ""
        action = _action(header(block, "Action"))
        status = _status_of(header(block, "Status"))
        diagnostic = one_line(_field(block, "Diagnostic-Code"))
        if not status:
            status = _status_of(diagnostic)
        verdict = classify(status, diagnostic, delayed=action is not Action.failed)
        found.append(FailedRecipient(address, status, action, diagnostic[:500], verdict, original))
    return found


def _before_original(text: str) -> str:
    match = _ORIGINAL_STARTS.search(text)
    return text[: match.start()] if match else text


def _mentions(text: str, address: str, limit: int = 6) -> list[tuple[str, str]]:
    """(text after, text before) each mention of ``address``, cut at the neighbouring
    addresses: in "<a>: reason <b>: reason", a's reason is not b's."""
    others = [
        m for m in _ADDRESS.finditer(text) if clean_address(m.group(1)).lower() != address.lower()
    ]
    lowered, wanted = text.lower(), address.lower()
    found: list[tuple[str, str]] = []
    at = lowered.find(wanted)
    while at >= 0 and len(found) < limit:
        end = at + len(wanted)
        stop = next((m.start() for m in others if m.start() >= end), len(text))
        start = max((m.end() for m in others if m.end() <= at), default=0)
        found.append(
            (one_line(text[end : min(stop, end + 600)]), one_line(text[max(start, at - 300) : at]))
        )
        at = lowered.find(wanted, end)
    return found


def _recipient(address: str, text: str, *, delayed: bool) -> FailedRecipient:
    mentions = _mentions(_before_original(text), address) or _mentions(text, address)
    after, before = next(
        (m for m in mentions if _status_of(m[0]) or _ERROR_HINT.search(m[0])),
        mentions[0] if mentions else ("", ""),
    )
    informative = bool(_status_of(after) or _ERROR_HINT.search(after))
    diagnostic = after if informative else before
    status = _status_of(diagnostic) or _status_of(f"{after} {before}")
    action = Action.delayed if delayed else Action.failed
    verdict = classify(status, diagnostic, delayed=delayed)
    return FailedRecipient(address, status, action, diagnostic[:500], verdict)


def _detected(message: Message) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """(temporary, permanent) failed addresses found by Mailman's detectors."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choked on a strange message: the other readings remain
        log.debug("flufl.bounce could not read a message", exc_info=True)
        return frozenset(), frozenset()
    return frozenset(temporary), frozenset(permanent)


def _flufl_recipients(
    detected: tuple[frozenset[bytes], frozenset[bytes]], text: str
) -> list[FailedRecipient]:
    """Failed addresses found by Mailman's detectors, with the text next to each."""
    temporary, permanent = detected
    found: list[FailedRecipient] = []
    for raw, delayed in [(a, False) for a in sorted(permanent)] + [
        (a, True) for a in sorted(temporary - permanent)
    ]:
        address = clean_address(raw.decode("utf-8", "replace"))
        if address and not any(r.address.lower() == address.lower() for r in found):
            found.append(_recipient(address, text, delayed=delayed))
    return found


def _text_recipients(text: str, own: set[str]) -> list[FailedRecipient]:
    """Recipients named in a plain-text bounce next to an error (the last resort)."""
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
        if not status and not _ERROR_HINT.search(context):
            continue
        delayed = bool(re.search(r"\bdelayed\b|will (?:keep )?try|still trying", before, re.I))
        action = Action.delayed if delayed else Action.failed
        verdict = classify(status, f"{context} {before}", delayed=delayed)
        found.append(FailedRecipient(address, status, action, context[:500], verdict))
    return found


def looks_like_bounce(message: Message) -> bool:
    """A delivery report or a message from a mail system about a failed delivery."""
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type") or "").lower()
        if report_type in ("delivery-status", "global-delivery-status"):
            return True
    if any(
        part.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        for part in message.walk()
    ):
        return True
    if is_out_of_office(message):
        return False
    _name, address = sender(message)
    local = address.rpartition("@")[0].strip('"').lower()
    if _SYSTEM_SENDER.match(local):
        return True
    raw_from = header(message, "From").lower()
    if not address and ("mailer-daemon" in raw_from or "postmaster" in raw_from):
        return True
    return bool(_BOUNCE_SUBJECT.match(header(message, "Subject")))


def parse_bounce(message: Message, *, own_addresses: set[str] | None = None) -> Bounce | None:
    """Read a bounce; ``None`` when the message is not one (e.g. an out-of-office reply).

    A bounce whose failed addresses cannot be found has no recipients: it is recorded
    as a bounce (never news) and matched to no delivery."""
    detected = _detected(message)
    if not looks_like_bounce(message) and not any(detected):
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
        original_id = header(original, "Message-ID").strip("<> ")
    own |= {address.lower() for _n, address in [sender(message)] if address}
    if status_part is not None:
        recipients = [r for r in _dsn_recipients(status_part) if r.address.lower() not in own]
        if recipients:
            return Bounce("rfc3464", recipients, envelope, original_id)
    text = "\n".join(_texts(message))
    recipients = [r for r in _flufl_recipients(detected, text) if r.address.lower() not in own]
    if recipients:
        return Bounce("flufl", recipients, envelope, original_id)
    # the last resort reads addresses out of the text: ours and the headers' are not them
    own |= {a.lower() for a in envelope}
    own |= {a.lower() for a in addresses(message, "Return-Path", "Sender", "Reply-To")}
    return Bounce("text", _text_recipients(text, own), envelope, original_id)
