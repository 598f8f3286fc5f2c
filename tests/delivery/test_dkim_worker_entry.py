"""DKIM signatures that verify, and the worker entry point that ``serve`` runs."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import dkim

from newsletter.delivery.dkim import DkimSigner
from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.service import Service
from newsletter.service.delivery import run_worker
from tests.content.sample import build_sample
from tests.delivery.helpers import TEMPLATE, add_subscribers
from tests.delivery.smtpd import RecordingServer


def test_dkim_signature_verifies(tmp_path: Path) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout  # fmt: skip
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    signer = DkimSigner("example.org", "news2026", key.read_bytes())
    message = TEMPLATE.replace(b"{{to}}", b"a@example.org").replace(b"{{", b"").replace(b"}}", b"")
    signed = signer.sign(message)
    assert signed.startswith(b"DKIM-Signature:")

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"news2026._domainkey.example.org."
        return record

    assert dkim.verify(signed, dnsfunc=dns)
    assert not dkim.verify(signed.replace(b"Bonjour", b"Bonsoir"), dnsfunc=dns)


async def test_run_worker_sends_issues_in_status_sending_and_stops(service: Service) -> None:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    recipients = add_subscribers(service.ctx, 15, prefix="serve")
    service.delivery.start_send(issue_id, ["public"])
    stop = asyncio.Event()
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        task = asyncio.create_task(run_worker(service.ctx, stop, pool))
        loop = asyncio.get_running_loop()
        end = loop.time() + 20
        while service.delivery.status(issue_id).status != "sent" and loop.time() < end:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        await pool.close()
    assert service.delivery.status(issue_id).status == "sent"
    assert sorted(server.handler.counts()) == sorted(r.email for r in recipients)
