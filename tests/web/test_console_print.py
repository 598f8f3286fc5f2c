"""The console's button for the printable edition gives the PDF."""

from __future__ import annotations

from newsletter.service import Service
from tests.content.sample import build_sample
from tests.web.conftest import Browser


def test_console_gives_the_printable_edition(service: Service, console: Browser) -> None:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    page = console.get(f"/console/issues/{issue_id}?lang=nl")
    assert f"/console/issues/{issue_id}/print.pdf?lang=nl" in page.text
    pdf = console.client.get(f"/console/issues/{issue_id}/print.pdf?lang=nl")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    console.client.cookies.clear()
    assert console.client.get(f"/console/issues/{issue_id}/print.pdf").status_code == 303
