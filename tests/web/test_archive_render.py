"""The archive answers, never 500, for an issue that cannot be rendered any more."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

from newsletter.context import open_context
from newsletter.delivery.smtp import SmtpPool
from newsletter.service import Service
from newsletter.web import create_app
from tests.delivery.smtpd import RecordingServer
from tests.delivery.test_render_failure import _sample, _smtp, broken_templates

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def test_archive_of_an_unrenderable_issue_answers(service: Service, tmp_path: Path) -> None:
    issue_id, _ = _sample(service, 2)
    with RecordingServer() as server:
        service.delivery.start_send(issue_id, ["public"])
        pool = SmtpPool.from_settings(_smtp(service.ctx.settings, server.port))

        async def send() -> None:
            try:
                await service.delivery.run(issue_id, pool, asyncio.Event())
            finally:
                await pool.close()

        asyncio.run(send())
    assert service.delivery.status(issue_id).status == "sent"
    settings = service.ctx.settings.model_copy(
        update={"templates_dir": broken_templates(tmp_path / "tpl")}
    )
    broken = open_context(settings)
    try:
        app = create_app(broken, Service(broken))
        with TestClient(app, base_url="https://testserver") as client:
            page = client.get(f"/archive/{issue_id}?lang=fr")
            assert page.status_code == 200
            assert "ne peut pas être affiché pour le moment" in page.text
            assert "iframe" not in page.text
            frame = client.get(f"/archive/{issue_id}/issue.html?lang=nl")
            assert frame.status_code == 503 and "kan niet worden opgemaakt" in frame.text
            assert client.get("/archive").status_code == 200
    finally:
        broken.close()
