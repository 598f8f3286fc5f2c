"""Bounce parsing: RFC 3464 reports and the usual plain-text formats."""

from __future__ import annotations

from email import message_from_bytes

from newsletter.delivery.bounces import Action, Bounce, classify, parse_bounce
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
    assert qmail is not None and qmail.format == "qmail"
    assert [(r.address, r.status, r.hard) for r in qmail.failed] == [
        ("absent@destinataire.example.net", "5.1.1", True)
    ]
    exim = _bounce("15-exim-text-bounce.eml")
    assert exim is not None and exim.format == "exim"
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
    assert classify("5.1.1", "550 5.1.1 user unknown")
    assert not classify("5.2.2", "552 mailbox full")
    assert not classify("4.4.1", "connection timed out")
    assert not classify("5.7.1", "550 5.7.1 message rejected as spam")
    assert classify("", "550 No such user here")
    assert not classify("", "452 4.2.2 over quota")
    assert not classify("5.1.1", "user unknown", action=Action.delayed)
