"""What a failed delivery means: hard, soft, or not the address's fault.

RFC 3463 enhanced status codes decide first, then the known texts of the diagnostic,
then the basic SMTP code (RFC 5321). Only a *hard* failure says the address will never
work (5.1.x: no such mailbox or domain). A *soft* one may pass later (a full mailbox, a
server not accepting mail for now, a delay). A failure that is *not the address's
fault* — a message too big, a spam or policy refusal, a loop, a protocol error, a
problem with our own sender address — says nothing about the address. Soft failures and
the others are counted; the settings ``BOUNCE_LIMIT`` and ``BOUNCE_OTHER_LIMIT`` say how
many make an address ``bounced`` (never one alone).

Each verdict carries a readable reason as a message id, translated when shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from newsletter.i18n import N_


class Severity(StrEnum):
    hard = "hard"
    soft = "soft"
    #: not the address's fault (policy, size, loop, protocol, our sender address)
    other = "other"


@dataclass(frozen=True)
class Verdict:
    severity: Severity
    #: English message id of the reason, translated when shown
    reason: str

    @property
    def hard(self) -> bool:
        return self.severity is Severity.hard


NO_SUCH_ADDRESS = N_("The address does not exist (unknown mailbox or domain)")
MAILBOX_FULL = N_("The mailbox is full")
MAILBOX_DISABLED = N_("The mailbox is disabled or not accepting mail for now")
SYSTEM_BUSY = N_("The receiving mail system is not accepting mail for now")
TEMPORARY = N_("A temporary failure: the receiving server may accept the message later")
DELAYED = N_("Delivery is delayed: the receiving server keeps trying")
UNKNOWN = N_("A permanent failure without a known cause")
TOO_BIG = N_("The message is too large for the receiving server")
POLICY = N_("Refused by the receiving server's policy (spam filter, block list, authentication)")
LOOP = N_("A mail loop: the message went round between servers")
PROTOCOL = N_("A protocol or message format error, not the address's fault")
OUR_SENDER = N_("A problem with our sender address, not the recipient's")
REFUSED = N_("The receiving server refused the message without saying why")

_HARD = Verdict(Severity.hard, NO_SUCH_ADDRESS)

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")
_BASIC = re.compile(r"(?<![\d.])([245]\d\d)(?:[ -]|$)")

_LOOP_TEXT = re.compile(r"loop(?:ing|ed)?\b|too many hops|hop count exceeded", re.I)
_FULL_TEXT = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota (?:exceeded|violation)|exceed(?:s|ed)? (?:the )?"
    r"(?:storage|quota)|insufficient (?:storage|space)|mailbox size limit|boîte (?:aux lettres )?"
    r"pleine|postvak (?:is )?vol|\bquota\b",
    re.I,
)
_TOO_BIG_TEXT = re.compile(
    r"message (?:is )?too (?:big|large)|message size exceeds|size limit|exceeds (?:the )?"
    r"(?:maximum|max) (?:message )?size|exceeded maximum incoming message size",
    re.I,
)
_POLICY_TEXT = re.compile(
    r"\bspam\b|blacklist|blocklist|block ?list|blocked|\bpolicy\b|\bdmarc\b|\bspf\b|\bdkim\b|"
    r"rejected for (?:policy|content)|reputation|\brbl\b|spamhaus|not authori[sz]ed|"
    r"relay(?:ing)? (?:access )?denied|access denied|virus|malware",
    re.I,
)
_HARD_TEXT = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address|account)|"
    r"mailbox (?:unavailable|not found|does not exist)|does not exist|doesn't exist|"
    r"recipient (?:address )?rejected|invalid (?:recipient|mailbox|address)|"
    r"recipnotfound|address not found|no mailbox here|couldn't be found|unknown recipient|"
    r"host or domain name not found|unrouteable address|account (?:is )?disabled|"
    r"not a valid (?:user|mailbox)|unknown local part|user not found|no longer (?:active|valid)|"
    r"disabled or discontinued|doesn't have an? [\w.-]+ account|addressee unknown|"
    r"invalid (?:final delivery )?userid|no valid recipients|host not found|"
    r"unknown (?:mailbox|address|account)|not listed in|no account|"
    r"n'existe pas|destinataire inconnu|utilisateur (?:inconnu|non recensé)|"
    r"onbekende gebruiker|bestaat niet",
    re.I,
)
_PROTOCOL_TEXT = re.compile(
    r"resent-from|syntax error|protocol|bad sequence|header|malformed|8bit|line too long|"
    r"command (?:not )?(?:recognized|implemented)",
    re.I,
)
_TEMPORARY_TEXT = re.compile(
    r"try again later|temporar|greylist|rate limit|too many (?:connections|messages)|"
    r"timed? ?out|connection (?:refused|reset)|deferred",
    re.I,
)


def basic_code(text: str) -> str:
    """The first basic SMTP reply code (e.g. "550") in a diagnostic text, or ""."""
    match = _BASIC.search(text)
    return match.group(1) if match else ""


def _by_enhanced(klass: str, subject: int, detail: int, text: str) -> Verdict | None:
    if klass == "4":
        if (subject, detail) == (2, 2) or _FULL_TEXT.search(text):
            return Verdict(Severity.soft, MAILBOX_FULL)
        if (subject, detail) == (4, 6):
            return Verdict(Severity.other, LOOP)
        return Verdict(Severity.soft, TEMPORARY)
    if subject == 1:
        if detail in (7, 8):  # bad sender's address (RFC 3463 §3.2)
            return Verdict(Severity.other, OUR_SENDER)
        if detail == 0 and not _HARD_TEXT.search(text):
            return None  # "other address status": let the text decide
        return _HARD
    if subject == 2:
        if detail == 2 or _FULL_TEXT.search(text):
            return Verdict(Severity.soft, MAILBOX_FULL)
        if detail == 3:
            return Verdict(Severity.other, TOO_BIG)
        return Verdict(Severity.soft, MAILBOX_DISABLED)
    if subject == 3:
        if detail == 4:
            return Verdict(Severity.other, TOO_BIG)
        return Verdict(Severity.soft, SYSTEM_BUSY)
    if subject == 4:
        if detail == 6 or _LOOP_TEXT.search(text):
            return Verdict(Severity.other, LOOP)
        if detail == 4 and _HARD_TEXT.search(text):
            return _HARD
        return Verdict(Severity.soft, SYSTEM_BUSY)
    if subject in (5, 6):
        return Verdict(Severity.other, PROTOCOL)
    if subject == 7:
        return Verdict(Severity.other, POLICY)
    return None


def classify(status: str, diagnostic: str, *, delayed: bool = False) -> Verdict:
    """The verdict on one failed recipient, from its status code and diagnostic text."""
    if delayed:
        return Verdict(Severity.soft, DELAYED)
    text = diagnostic
    enhanced = _ENHANCED.match(status.strip())
    if enhanced and not (enhanced.group(2) == "0" and enhanced.group(3) == "0"):
        klass, subject, detail = enhanced.group(1), int(enhanced.group(2)), int(enhanced.group(3))
        verdict = _by_enhanced(klass, subject, detail, text)
        if verdict is not None:
            return verdict
    # no (usable) enhanced code: the known texts, then the basic code
    if _LOOP_TEXT.search(text):
        return Verdict(Severity.other, LOOP)
    if _FULL_TEXT.search(text):
        return Verdict(Severity.soft, MAILBOX_FULL)
    if _TOO_BIG_TEXT.search(text):
        return Verdict(Severity.other, TOO_BIG)
    code = basic_code(text) or (f"{status[0]}00" if status[:1] in ("4", "5") else "")
    if code.startswith("4") or _TEMPORARY_TEXT.search(text):
        return Verdict(Severity.soft, TEMPORARY)
    if _HARD_TEXT.search(text):
        return _HARD
    if _POLICY_TEXT.search(text):
        return Verdict(Severity.other, POLICY)
    if _PROTOCOL_TEXT.search(text):
        return Verdict(Severity.other, PROTOCOL)
    if code in ("550", "551", "553"):
        return _HARD
    if code == "552":
        return Verdict(Severity.soft, MAILBOX_FULL)
    if code == "554":
        return Verdict(Severity.other, REFUSED)
    return Verdict(Severity.soft, UNKNOWN)
