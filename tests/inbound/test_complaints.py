"""Complaint reports of feedback loops (ARF, RFC 5965) through the real intake: the
Dovecot mailbox (``intake poll``) and ``intake eml``. A report that proves the delivery
it is about unsubscribes that person with the source "complaint" and counts on the
issue; anything else is quarantined with its reason and changes no one."""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.models import SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Delivery
from tests.inbound.conftest import SendIssue, add_recipients, imap_settings
from tests.support.cli import Cli
from tests.support.dovecot import MailUser

ARF = Path(__file__).resolve().parent / "arf"
VICTIM = "victime@destinataire.example.net"
OTHER = "autre@destinataire.example.net"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").replace("\r\n", "\n").rstrip("\n")


def _headers(data: bytes) -> str:
    return _text(data).split("\n\n", 1)[0]


def arf(
    name: str,
    *,
    mail_from: str,
    rcpt_to: str,
    original: bytes,
    report_fields: str = "",
) -> bytes:
    """A sample of ``arf/`` with the message we sent in it, CRLF line ends."""
    text = (ARF / name).read_text()
    head = re.sub(r"(?m)^To: .*$", "To: redacted@mail.example.net", _headers(original))
    fields = report_fields or (
        "Feedback-Type: abuse\nUser-Agent: Hotmail FBL\nVersion: 0.1\n"
        f"Original-Mail-From: <{mail_from}>\nOriginal-Rcpt-To: <{rcpt_to}>\n"
    )
    values = {
        "{NONCE}": secrets.token_hex(6),
        "{MAIL_FROM}": mail_from,
        "{RCPT_TO}": rcpt_to,
        "{ORIGINAL}": _text(original),
        "{HEADERS}": head,
        "{REPORT_BASE64}": base64.encodebytes(fields.encode()).decode().rstrip("\n"),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text.replace("\n", "\r\n").encode("utf-8")


def _statuses(ctx: Context) -> dict[str, tuple[SubscriberStatus, str]]:
    with ctx.db.session() as session:
        return {s.email_key: (s.status, s.status_reason) for s in session.query(Subscriber)}


@pytest.mark.parametrize("sample", ["rfc5965.eml", "jmrp-version01.eml", "redacted-headers.eml"])
def test_a_complaint_through_the_mailbox_unsubscribes_and_counts_on_the_issue(
    sample: str,
    cli: Cli,
    settings: Settings,
    ctx: Context,
    mail_user: MailUser,
    send_issue: SendIssue,
) -> None:
    add_recipients(ctx, VICTIM, OTHER)
    sent = send_issue(imap_settings(settings, mail_user), title="Lettre")
    issue_id = sent.issue_id
    mail_from, original = sent.received[VICTIM]
    assert mail_from.startswith("bounces+")
    before = _statuses(ctx)
    assert before[VICTIM][0] is SubscriberStatus.active

    mail_user.deliver(arf(sample, mail_from=mail_from, rcpt_to=VICTIM, original=original))
    polled = cli("intake", "poll", "--json")
    assert polled.code == 0, polled.err
    [message] = polled.json()["messages"]
    assert message["outcome"] == "complaint", message["reason"]
    [entry] = message["bounces"]
    with ctx.db.session() as session:
        delivery = session.query(Delivery).filter_by(email=VICTIM).one()
        assert entry["delivery_id"] == delivery.id
    assert entry["kind"] == "complaint" and entry["feedback_type"] == "abuse"
    assert polled.json()["counts"]["complaint"] == 1

    after = _statuses(ctx)
    assert after[VICTIM] == (SubscriberStatus.unsubscribed, "complaint")
    assert after[OTHER] == before[OTHER]
    status = cli("issue", "status", str(issue_id), "--json").json()
    assert (status["complaints"], status["unsubscribed"]) == (1, 0)
    assert Service(ctx).reports.issue_report(issue_id).feedback.complaints == 1

    # the same report again (the provider sent it twice) changes nothing more
    mail_user.deliver(arf(sample, mail_from=mail_from, rcpt_to=VICTIM, original=original))
    [again] = cli("intake", "poll", "--json").json()["messages"]
    assert again["outcome"] == "complaint"
    assert cli("issue", "status", str(issue_id), "--json").json()["complaints"] == 1


def test_a_complaint_through_intake_eml(
    cli: Cli, settings: Settings, ctx: Context, send_issue: SendIssue
) -> None:
    """An MTA piping the feedback loop's address into ``intake eml``."""
    add_recipients(ctx, VICTIM, OTHER)
    sent = send_issue(settings, title="Lettre")
    issue_id = sent.issue_id
    mail_from, original = sent.received[OTHER]
    path = settings.data_dir.parent / "arf.eml"
    path.write_bytes(arf("rfc5965.eml", mail_from=mail_from, rcpt_to=OTHER, original=original))
    result = cli("intake", "eml", str(path))
    assert result.code == 0, result.err
    assert "plainte" in result.out
    assert _statuses(ctx)[OTHER] == (SubscriberStatus.unsubscribed, "complaint")
    assert _statuses(ctx)[VICTIM][0] is SubscriberStatus.active
    assert cli("issue", "status", str(issue_id), "--json").json()["complaints"] == 1


def test_hostile_and_malformed_reports_are_quarantined_and_change_no_one(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser, send_issue: SendIssue
) -> None:
    victim_id = add_recipients(ctx, VICTIM, OTHER)[VICTIM]
    sent = send_issue(imap_settings(settings, mail_user), title="Lettre")
    issue_id = sent.issue_id
    other_from, other_original = sent.received[OTHER]
    victim_from, victim_original = sent.received[VICTIM]
    before = _statuses(ctx)
    guessed = victim_original.replace(
        re.search(rb"Message-ID: <([^>]+)>", victim_original).group(1),  # type: ignore[union-attr]
        f"issue-{issue_id}.{victim_id}.aaaaaaaaaaaa@example.org".encode(),
    )
    no_original = re.sub(
        r"--NS\r\nContent-Type: message/rfc822.*?(?=--NS--)",
        "",
        arf("not-spam.eml", mail_from=victim_from, rcpt_to=VICTIM, original=b"x").decode(),
        flags=re.S,
    ).replace("not-spam", "abuse")
    reports = {
        # someone else's real token, but the victim's address
        "another address": arf(
            "rfc5965.eml", mail_from=other_from, rcpt_to=VICTIM, original=other_original
        ),
        # no token of ours and a signed-looking Message-ID with a made-up signature
        "no proof": arf(
            "rfc5965.eml",
            mail_from="bounces@example.org",
            rcpt_to=VICTIM,
            original=guessed.replace(victim_from.encode(), b"bounces@example.org"),
        ),
        # a made-up VERP token, recipient hidden
        "made-up token": arf(
            "redacted-headers.eml",
            mail_from=f"bounces+{victim_id:x}-0123456789ab@example.org",
            rcpt_to=VICTIM,
            original=guessed.replace(
                victim_from.encode(), f"bounces+{victim_id:x}-0123456789ab@example.org".encode()
            ),
        ),
        "without the original": no_original.encode(),
        "without the report part": (
            b"From: x@fbl.example.com\r\nTo: fbl@example.org\r\nSubject: report\r\n"
            b"Message-ID: <bare@fbl.example.com>\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/report; report-type=feedback-report; boundary="Z"\r\n\r\n'
            b"--Z\r\nContent-Type: text/plain\r\n\r\nspam!\r\n--Z--\r\n"
        ),
        "an injected feedback type": arf(
            "jmrp-version01.eml",
            mail_from=victim_from,
            rcpt_to=VICTIM,
            original=victim_original,
            report_fields="Feedback-Type: abuse\r\n\tX-Evil: <script>\nVersion: 1\n",
        ),
        "garbage in the report part": arf(
            "jmrp-version01.eml",
            mail_from=victim_from,
            rcpt_to=VICTIM,
            original=victim_original,
            report_fields="\x00\xff" * 3000,
        ),
        "an unknown version": arf(
            "jmrp-version01.eml",
            mail_from=victim_from,
            rcpt_to=VICTIM,
            original=victim_original,
            report_fields=f"Feedback-Type: abuse\nVersion: 7\nOriginal-Rcpt-To: {VICTIM}\n",
        ),
    }
    for raw in reports.values():
        mail_user.deliver(raw)
    polled = cli("intake", "poll", "--json")
    assert polled.code == 0, polled.err
    messages = polled.json()["messages"]
    assert [m["outcome"] for m in messages] == ["quarantine"] * len(reports)
    reasons = " | ".join(m["reason"] for m in messages)
    for words in (
        "une autre adresse",
        "ni jeton",
        "sans le message original",
        "sans sa partie",
        "Feedback-Type valide",
        "version inconnue (7)",
    ):
        assert words in reasons, reasons
    assert "<script>" not in reasons
    assert _statuses(ctx) == before
    status = cli("issue", "status", str(issue_id), "--json").json()
    assert (status["complaints"], status["unsubscribed"]) == (0, 0)

    # a not-spam report is no complaint: ignored, nobody changed
    mail_user.deliver(
        arf("not-spam.eml", mail_from=victim_from, rcpt_to=VICTIM, original=victim_original)
    )
    [report] = cli("intake", "poll", "--json").json()["messages"]
    assert report["outcome"] == "ignored" and "not-spam" in report["reason"]
    assert _statuses(ctx) == before
    # the coordinator finds them in the quarantine with the reasons
    listed = cli("intake", "list", "--json").json()
    assert sum(row["outcome"] == "quarantine" for row in listed) == len(reports)
