"""A DKIM-signed issue message is handed over in pieces, as an unsigned one: the same
bytes and the same wire form as the whole message signed and scanned by ``wire_body``, a
signature byte for byte dkimpy's own, and it verifies (dkimpy) on what the server
received."""

from __future__ import annotations

import base64
import re
import subprocess

import dkim
import pytest

from newsletter.context import Context
from newsletter.delivery.dkim import SIGNED_HEADERS, DkimSigner
from newsletter.delivery.messages import IssueMessages
from newsletter.delivery.outbox import Claimed
from newsletter.delivery.smtp import SmtpConfig, SmtpPool, wire_body
from newsletter.delivery.transport import Outcome
from newsletter.i18n import LANGUAGES
from newsletter.message_ids import message_id
from newsletter.models import Language, Membership
from newsletter.render import personalization_for, prepare_issue
from newsletter.render.contract import Spliced
from newsletter.render.prepare import PreparedIssue
from tests.content.sample import build_sample
from tests.delivery.smtpd import RecordingServer

SELECTOR = "news2026"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[DkimSigner, bytes, bytes]:
    """A signer, the DNS TXT record of its public key and the key itself (PEM)."""
    path = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    public = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout  # fmt: skip
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return DkimSigner("example.org", SELECTOR, path.read_bytes()), record, path.read_bytes()


def verifies(data: bytes, record: bytes) -> bool:
    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.example.org.".encode()
        return record

    return bool(dkim.verify(data, dnsfunc=dns))


def timestamp(signature: bytes) -> int:
    found = re.search(rb"\bt=(\d+);", signature)
    assert found is not None
    return int(found.group(1))


def sample_issue(ctx: Context) -> tuple[int, PreparedIssue]:
    """The sample issue, prepared for every variant."""
    with ctx.db.session() as session:
        issue_id = build_sample(session, ctx.settings)
        return issue_id, prepare_issue(session, ctx.settings, issue_id)


def test_signed_pieces_are_the_signed_message_and_its_wire_form(
    ctx: Context, key: tuple[DkimSigner, bytes, bytes]
) -> None:
    signer, record, pem = key
    settings = ctx.settings
    issue_id, prepared = sample_issue(ctx)
    kinds = [kind.value for kind in Membership]
    for number, (lang, kind) in enumerate((lang, kind) for lang in LANGUAGES for kind in kinds):
        variant = prepared.variant(lang, kind)
        values = personalization_for(
            settings, issue_id, number + 1, f"r{number}@example.net", "Hélène Dupont-Müller",
            variant.rsvp_assembly_id if number % 2 else None, variant.language,
        )  # fmt: skip
        unsigned = variant.splice(values)
        signed = signer.sign_spliced(unsigned)
        signature = signed.pieces[0]
        assert signature.startswith(b"DKIM-Signature:") and signature.endswith(b"\r\n")
        # dkimpy's own header for the same message and t=, and ours is deterministic
        dkimpy = dkim.sign(bytes(unsigned), SELECTOR.encode(), b"example.org", pem,
                           include_headers=SIGNED_HEADERS, linesep=b"\r\n")  # fmt: skip
        assert signer.signature(bytes(unsigned), timestamp(dkimpy)) == dkimpy
        assert signer.signature(bytes(unsigned), timestamp(signature)) == signature
        # the old path: the joined message signed, then scanned for the wire
        old = signature + variant.personalize(values)
        assert bytes(signed) == old
        assert b"".join(signed.wire()) == wire_body(old)
        assert signed.wire()[1:] == unsigned.wire()  # the variant's pieces, as unsigned
        assert verifies(bytes(signed), record)
        assert not verifies(bytes(signed).replace(b"Dupont", b"Durand", 1), record)


async def test_a_signed_send_leaves_in_pieces_and_verifies_where_it_arrives(
    ctx: Context, key: tuple[DkimSigner, bytes, bytes]
) -> None:
    signer, record, _pem = key
    settings = ctx.settings
    issue_id, prepared = sample_issue(ctx)
    factory = IssueMessages(
        settings,
        issue_id,
        lambda language, membership: prepared.variant(language.value, membership.value),
        signer,
    )
    rows = [
        Claimed(n, n, f"lecteur{n}@example.net", "Lectrice Exémple" if n % 2 else "",
                Language.fr if n % 2 else Language.nl, list(Membership)[n % 3],
                message_id(settings, issue_id, n), 0)
        for n in range(1, 5)
    ]  # fmt: skip
    messages = [factory(row) for row in rows]
    assert all(type(message) is Spliced for message, _sender in messages)
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=1))
        try:
            results = [
                await pool.send(message, sender, [row.email])
                for row, (message, sender) in zip(rows, messages, strict=True)
            ]
        finally:
            await pool.close()
    assert [result[0].outcome for result in results] == [Outcome.sent] * len(rows)
    received = [r.data for r in server.received]
    assert received == [bytes(message) for message, _sender in messages]
    assert all(verifies(data, record) for data in received)
