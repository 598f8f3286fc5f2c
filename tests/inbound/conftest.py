"""Fixtures of the inbound tests: a private Dovecot server and the message corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from newsletter.config import Settings, SmtpSecurity
from tests.support.dovecot import DovecotServer, MailUser

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def corpus_names() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.eml"))


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> MailUser:
    """A fresh IMAP user with an empty mailbox."""
    return dovecot.add_user()


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
