"""The IMAP side against a real Dovecot: folders, listing, fetching, moving."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.errors import ConfigurationError
from newsletter.intake.mail.imap import PROCESSED, QUARANTINE, Mailbox, MailboxError
from tests.inbound.conftest import corpus, imap_settings
from tests.support.dovecot import MailUser


def _settings(user: MailUser) -> Settings:
    return imap_settings(Settings(secret_key=SecretStr("k")), user)


def test_list_fetch_and_move(mail_user: MailUser) -> None:
    first = corpus("01-outlook-cp1252-related.eml")
    mail_user.deliver(first)
    mail_user.deliver(corpus("18-duplicate.eml"))
    with Mailbox(_settings(mail_user)) as box:
        folders = box.ensure_folders()
        assert folders == {PROCESSED: PROCESSED, QUARANTINE: QUARANTINE}
        listed = box.listing()
        assert [entry.size for entry in listed] == [len(first), len(corpus("18-duplicate.eml"))]
        assert box.fetch(listed[0].uid) == first
        head = box.fetch(listed[0].uid, headers_only=True)
        assert head.startswith(b"Received:") and b"--_006_" not in head
        validity = box.uidvalidity()
        box.move(listed[0].uid, PROCESSED)
        box.move(listed[1].uid, QUARANTINE)
        assert box.listing() == []
        assert box.uidvalidity() == validity
        assert box.count(PROCESSED) == 1 and box.count(QUARANTINE) == 1
    # a second connection finds the folders instead of creating them again
    with Mailbox(_settings(mail_user)) as box:
        assert box.ensure_folders() == {PROCESSED: PROCESSED, QUARANTINE: QUARANTINE}
    assert mail_user.folder_count(PROCESSED) == 1
    # fetched with BODY.PEEK: never marked as seen by us
    assert all(":2,S" not in p.name for p in (mail_user.maildir / ".Processed" / "cur").iterdir())


def test_wrong_password_is_a_clear_error(mail_user: MailUser) -> None:
    settings = _settings(mail_user).model_copy(update={"imap_password": SecretStr("wrong")})
    with pytest.raises(MailboxError) as caught, Mailbox(settings):
        pass
    assert mail_user.username in str(caught.value)


def test_no_server_configured() -> None:
    with pytest.raises(ConfigurationError):
        Mailbox(Settings(secret_key=SecretStr("k")))
