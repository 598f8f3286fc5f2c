"""Mail written by machines: auto-replies, bounces, list traffic (RFC 3834).

An automatic message never becomes a news item and never gets an acknowledgement:
answering an auto-reply, a bounce or a mailing list is how mail loops start.
"""

from __future__ import annotations

import re
from email.message import Message
from enum import StrEnum

from newsletter.intake.mail.headers import header, sender

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|autoreply|"
    r"réponse automatique|reponse automatique|absence|absent|en congé|"
    r"automatisch antwoord|afwezig|niet aanwezig|abwesenheit|automatische antwort|"
    r"vacation|on vacation|away from)\b",
    re.I,
)
#: mail systems: their messages are reports, never news
_SYSTEM_LOCALPARTS = frozenset(
    {"mailer-daemon", "postmaster", "bounce", "bounces", "listserv", "majordomo", "mailman"}
)
#: senders that take no answer: their mail may be news (a partner's newsletter tool)
_NO_REPLY_LOCALPARTS = frozenset({"noreply", "no-reply", "donotreply", "do-not-reply"})


class Automatic(StrEnum):
    """Why a message was written by a machine ("" when it was written by a person)."""

    human = ""
    auto_replied = "auto-replied"
    auto_generated = "auto-generated"
    mailing_list = "mailing-list"
    mailer_daemon = "mailer-daemon"
    bulk = "bulk"


def is_out_of_office(message: Message) -> bool:
    """An out-of-office or vacation reply (never a bounce, never news)."""
    auto = header(message, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if header(message, "X-Autoreply") or header(message, "X-Autorespond"):
        return True
    if header(message, "X-MS-Exchange-Inbox-Rules-Loop"):
        return True
    return bool(_AUTO_SUBJECT.match(header(message, "Subject")))


def automatic(message: Message) -> Automatic:
    """RFC 3834 and the de-facto headers: is this message written by a machine?"""
    _name, address = sender(message)
    local = address.rpartition("@")[0].lower()
    if local in _SYSTEM_LOCALPARTS or local.startswith(("mailer-daemon", "postmaster")):
        return Automatic.mailer_daemon
    auto = header(message, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return Automatic.auto_replied
    if auto and auto != "no":
        return Automatic.auto_generated
    if message.get_content_type() == "multipart/report":
        # read receipts (report-type=disposition-notification) and other reports
        return Automatic.auto_generated
    if is_out_of_office(message):
        return Automatic.auto_replied
    if (
        header(message, "List-Id")
        or header(message, "List-Unsubscribe")
        or header(message, "List-Post")
    ):
        return Automatic.mailing_list
    if local in _NO_REPLY_LOCALPARTS:
        return Automatic.bulk
    precedence = header(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return Automatic.bulk
    if header(message, "Return-Path").strip() == "<>":
        return Automatic.mailer_daemon
    return Automatic.human


def may_acknowledge(message: Message) -> bool:
    """RFC 3834 §2: only a person's message, from a valid address, may be answered."""
    if automatic(message) is not Automatic.human:
        return False
    suppress = {
        part.strip().lower() for part in header(message, "X-Auto-Response-Suppress").split(",")
    }
    if suppress & {"all", "autoreply", "oof"}:
        return False
    _name, address = sender(message)
    return bool(address)
