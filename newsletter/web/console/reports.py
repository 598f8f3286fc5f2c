"""Console pages of the reports: the printable edition of an issue."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from newsletter.i18n import known_language
from newsletter.web.deps import ServiceDep

router = APIRouter()


@router.get("/issues/{issue_id}/print.pdf")
def print_issue(service: ServiceDep, issue_id: int, lang: str = "fr") -> Response:
    """The printable edition (A4 PDF) in French or Dutch."""
    language = known_language(lang)
    data = service.reports.print_issue(issue_id, language)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="numero-{issue_id}-{language}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )
