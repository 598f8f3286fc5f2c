"""The delivery report CSV neutralises formula cells, the e-mail column included."""

from __future__ import annotations

import asyncio
import csv
import io

from newsletter.delivery.smtp import SmtpPool
from newsletter.models import Language, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.editorial import Issue
from tests.delivery.smtpd import Faults, RecordingServer
from tests.delivery.test_render_failure import _smtp
from tests.web.conftest import Browser

ADDRESSES = ["=1+2@example.org", "+32@example.org", "-x@example.org", "ok@example.org"]


def test_report_csv_is_formula_safe(service: Service, console: Browser) -> None:
    with service.ctx.db.session() as session:
        for address in ADDRESSES:
            session.add(Subscriber(email=address, email_key=address, name="", groups=[],
                                   roles=[], language=Language.fr, consent_source="test",
                                   status=SubscriberStatus.active))  # fmt: skip
        issue = Issue(number=1, title="Numéro")
        session.add(issue)
        session.flush()
        issue_id = issue.id
    with RecordingServer(Faults(perm={"-x@example.org"})) as server:
        service.delivery.start_send(issue_id, ["public"])
        pool = SmtpPool.from_settings(_smtp(service.ctx.settings, server.port))

        async def send() -> None:
            try:
                await service.delivery.run(issue_id, pool, asyncio.Event())
            finally:
                await pool.close()

        asyncio.run(send())
    response = console.client.get(f"/console/issues/{issue_id}/report.csv")
    assert response.status_code == 200
    assert response.content == service.delivery.report_csv(issue_id)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["email", "statut", "tentatives", "derniere_reponse", "envoye_le"]
    emails = sorted(row[0] for row in rows[1:])
    assert emails == sorted(["'=1+2@example.org", "'+32@example.org", "'-x@example.org",
                             "ok@example.org"])  # fmt: skip
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    failed = next(row for row in rows if row[0] == "'-x@example.org")
    assert failed[1] == "failed_permanent" and "550" in failed[3]
