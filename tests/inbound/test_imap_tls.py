"""IMAP over TLS (the default) and STARTTLS against Dovecot with a test certificate.

The client trusts the system's CAs (``ssl.create_default_context``); the test makes
its own certificate one of them through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from newsletter.config import Settings, SmtpSecurity
from newsletter.intake.mail.imap import Mailbox, MailboxError
from tests.inbound.conftest import corpus
from tests.support.dovecot import DovecotServer, MailUser


@pytest.fixture(scope="module")
def tls_dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    folder = tmp_path_factory.mktemp("imap-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = DovecotServer(tls=(cert, key)).start()
    try:
        yield server
    finally:
        server.stop()


def _settings(user: MailUser, security: SmtpSecurity, port: int) -> Settings:
    return Settings(
        secret_key=SecretStr("k"),
        imap_host="127.0.0.1",
        imap_port=port,
        imap_username=user.username,
        imap_password=SecretStr(user.password),
        imap_security=security,
    )


def test_tls_and_starttls(tls_dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tls_dovecot.tls is not None
    user = tls_dovecot.add_user()
    user.deliver(corpus("18-duplicate.eml"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_dovecot.tls[0]))
    for security, port in (
        (SmtpSecurity.tls, tls_dovecot.tls_port),
        (SmtpSecurity.starttls, tls_dovecot.port),
    ):
        with Mailbox(_settings(user, security, port)) as box:
            [listed] = box.listing()
            assert box.fetch(listed.uid) == corpus("18-duplicate.eml")


def test_untrusted_certificate_is_refused(
    tls_dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    user = tls_dovecot.add_user()
    with (
        pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"),
        Mailbox(_settings(user, SmtpSecurity.tls, tls_dovecot.tls_port)),
    ):
        pass
