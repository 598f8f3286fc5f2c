"""Bounce parsing: RFC 3464 reports and the usual plain-text formats."""

from __future__ import annotations

from email import message_from_bytes

from newsletter.intake.mail.bounce_codes import Severity, classify
from newsletter.intake.mail.bounces import Action, Bounce, parse_bounce
from tests.inbound.conftest import corpus, corpus_names

OWN = {"bounces@example.org", "news@example.org"}


def _bounce(name: str) -> Bounce | None:
    return parse_bounce(message_from_bytes(corpus(name)), own_addresses=OWN)


def test_postfix_dsn() -> None:
    bounce = _bounce("12-dsn-postfix.eml")
    assert bounce is not None and bounce.format == "rfc3464"
    [failed] = bounce.failed
    assert failed.address == "absent@destinataire.example.net"
    assert failed.status == "5.1.1" and failed.hard
    assert "User unknown" in failed.diagnostic
    assert "bounces+VERPTOKEN@example.org" in bounce.envelope_addresses
    assert bounce.original_message_id == "newsletter-42-abc@example.org"


def test_exchange_ndr() -> None:
    bounce = _bounce("13-ndr-exchange.eml")
    assert bounce is not None and bounce.format == "rfc3464"
    [failed] = bounce.failed
    assert (failed.address, failed.status, failed.hard) == (
        "absent@destinataire.example.net",
        "5.1.10",
        True,
    )
    assert "bounces+VERPTOKEN@example.org" in bounce.envelope_addresses


def test_qmail_and_exim_plain_text_bounces() -> None:
    qmail = _bounce("14-qmail-bounce.eml")
    assert qmail is not None and qmail.format == "flufl"
    assert [(r.address, r.status, r.hard) for r in qmail.failed] == [
        ("absent@destinataire.example.net", "5.1.1", True)
    ]
    exim = _bounce("15-exim-text-bounce.eml")
    assert exim is not None and exim.format == "flufl"
    assert [(r.address, r.status, r.hard) for r in exim.failed] == [
        ("absent@destinataire.example.net", "5.2.2", False)  # mailbox full: soft
    ]


def test_delay_warning_is_not_a_failure() -> None:
    bounce = _bounce("16-dsn-delayed.eml")
    assert bounce is not None
    assert bounce.failed == []
    assert bounce.recipients[0].action is Action.delayed


def test_out_of_office_is_not_a_bounce() -> None:
    assert _bounce("17-oof-to-bounce-address.eml") is None
    assert _bounce("11-auto-reply.eml") is None


def test_partner_mail_is_not_a_bounce() -> None:
    bounces = {"12-dsn-postfix.eml", "13-ndr-exchange.eml", "14-qmail-bounce.eml",
               "15-exim-text-bounce.eml", "16-dsn-delayed.eml"}  # fmt: skip
    for name in corpus_names():
        found = _bounce(name)
        assert (found is not None) == (name in bounces), name


def test_hard_or_soft() -> None:
    def severity(status: str, diagnostic: str) -> Severity:
        return classify(status, diagnostic).severity

    assert severity("5.1.1", "550 5.1.1 user unknown") is Severity.hard
    assert severity("5.1.10", "RecipientNotFound") is Severity.hard
    assert severity("5.2.2", "552 mailbox full") is Severity.soft
    assert severity("4.2.2", "452 4.2.2 over quota") is Severity.soft
    assert severity("4.4.1", "connection timed out") is Severity.soft
    assert severity("5.7.1", "550 5.7.1 message rejected as spam") is Severity.other
    assert severity("5.3.4", "552 5.3.4 message too big") is Severity.other
    assert severity("5.4.6", "554 5.4.6 routing loop detected") is Severity.other
    assert severity("5.1.8", "553 5.1.8 bad sender address") is Severity.other
    assert severity("", "550 No such user here") is Severity.hard
    assert severity("", "452 4.2.2 over quota") is Severity.soft
    assert classify("5.1.1", "user unknown", delayed=True).severity is Severity.soft


def test_replies_that_are_not_the_address_fault_are_never_hard() -> None:
    """Replies seen in real bounces that once unsubscribed working addresses."""
    cases = {
        "552 Quota violation for postmaster@example.com": Severity.soft,
        "554 No Resent-From field given": Severity.other,
        "554 Message looping": Severity.other,
        "550 5.0.0 Message looping (too many hops)": Severity.other,
        "552 5.2.2 Mailbox quota exceeded": Severity.soft,
    }
    for diagnostic, expected in cases.items():
        status = "5.0.0" if "5.0.0" in diagnostic else ("5.2.2" if "5.2.2" in diagnostic else "")
        verdict = classify(status, diagnostic)
        assert verdict.severity is expected, diagnostic
        assert not verdict.hard
    # and each verdict has a readable reason in both languages
    from newsletter.i18n import gettext

    for diagnostic in cases:
        reason = classify("", diagnostic).reason
        assert gettext("fr", reason) != reason and gettext("nl", reason) != reason
