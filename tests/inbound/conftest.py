"""Fixtures of the inbound tests (the private Dovecot server, ``dovecot`` and
``mail_user``, is in ``tests/support/fixtures.py``): the message corpus, and an
issue sent to subscribers whose reports (bounces, complaints) then come back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from pydantic import SecretStr

from newsletter.config import Settings, SmtpSecurity
from newsletter.context import Context
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import Organisation, Subscriber
from tests.delivery.smtpd import RecordingServer
from tests.support.cli import Cli
from tests.support.dovecot import MailUser

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def corpus_names() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.eml"))


def imap_settings(settings: Settings, user: MailUser) -> Settings:
    return settings.model_copy(
        update={
            "imap_host": "127.0.0.1",
            "imap_port": user.server.port,
            "imap_username": user.username,
            "imap_password": SecretStr(user.password),
            "imap_security": SmtpSecurity.none,
        }
    )


#: what each corpus message must end as (see make_corpus.py)
EXPECTED = {
    "01-outlook-cp1252-related.eml": "item",
    "02-outlook-html-only-undeclared.eml": "item",
    "03-gmail-forward-inline.eml": "item",
    "04-forward-as-attachment.eml": "item",
    "05-outlook-forward-fr.eml": "item",
    "06-attachment-names.eml": "item",
    "07-html-scripts.eml": "item",
    "08-header-injection.eml": "item",
    "09-malformed-boundary.eml": "quarantine",
    "10-truncated-mime.eml": "item",
    "11-auto-reply.eml": "ignored",
    "12-dsn-postfix.eml": "bounce",
    "13-ndr-exchange.eml": "bounce",
    "14-qmail-bounce.eml": "bounce",
    "15-exim-text-bounce.eml": "bounce",
    "16-dsn-delayed.eml": "ignored",
    "17-oof-to-bounce-address.eml": "ignored",
    "18-duplicate.eml": "item",
    "19-reply-quoted-nl.eml": "item",
    "20-unknown-sender-latin1.eml": "item",
    "21-mailing-list.eml": "item",
    "22-no-sender.eml": "quarantine",
    "23-read-receipt.eml": "ignored",
}


def add_partners(ctx: Context) -> dict[str, int]:
    """Two member organisations, each with a subscriber who sends news by e-mail."""
    with ctx.db.session() as session:
        soleil = Organisation(
            name="ASBL Le Soleil", name_key="asbl le soleil", membership=Membership.full
        )
        noord = Organisation(
            name="Buurthuis Noord", name_key="buurthuis noord", membership=Membership.associate
        )
        session.add_all([soleil, noord])
        session.flush()
        session.add_all(
            [
                Subscriber(
                    email="Communication@ASBL-Soleil.example.org",
                    email_key="communication@asbl-soleil.example.org",
                    organisation_id=soleil.id,
                    status=SubscriberStatus.active,
                ),
                Subscriber(
                    email="info@buurthuis-noord.example.net",
                    email_key="info@buurthuis-noord.example.net",
                    organisation_id=noord.id,
                    language=Language.nl,
                    status=SubscriberStatus.active,
                ),
            ]
        )
        return {"soleil": soleil.id, "noord": noord.id}


def add_recipients(ctx: Context, *addresses: str) -> dict[str, int]:
    """The two partners (``add_partners``) and an active subscriber of ASBL Le Soleil at
    each address; every subscriber's id by address."""
    orgs = add_partners(ctx)
    with ctx.db.session() as session:
        for address in addresses:
            session.add(
                Subscriber(
                    email=address,
                    email_key=address,
                    organisation_id=orgs["soleil"],
                    status=SubscriberStatus.active,
                )
            )
        session.flush()
        return {s.email_key: s.id for s in session.query(Subscriber)}


@dataclass(frozen=True)
class SentIssue:
    issue_id: int
    #: per recipient: (envelope sender, message bytes) as the SMTP server received them
    received: dict[str, tuple[str, bytes]]

    def sender(self, recipient: str) -> str:
        """The envelope sender of that recipient's copy (the VERP address)."""
        return self.received[recipient][0]


class SendIssue(Protocol):
    def __call__(
        self, settings: Settings, *, title: str | None = None, **changes: object
    ) -> SentIssue: ...


@pytest.fixture
def send_issue(cli: Cli) -> SendIssue:
    """``issue draft`` then ``issue send --to membres`` through the command line, to a
    recording SMTP server, with these settings (and ``changes`` to them)."""

    def send(settings: Settings, *, title: str | None = None, **changes: object) -> SentIssue:
        with RecordingServer() as smtp:
            cli.set(
                settings.model_copy(
                    update={
                        "smtp_host": "127.0.0.1",
                        "smtp_port": smtp.port,
                        "smtp_security": SmtpSecurity.none,
                        **changes,
                    }
                )
            )
            draft = cli("issue", "draft", *(("--title", title) if title else ()), "--json")
            assert draft.code == 0, draft.err
            issue_id = int(draft.json()["id"])
            sent = cli("issue", "send", str(issue_id), "--to", "membres", "--yes")
            assert sent.code == 0, sent.err
        return SentIssue(issue_id, {r.recipient: (r.sender, r.data) for r in smtp.received})

    return send
