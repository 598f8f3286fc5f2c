"""Console pages of the reports: the delivery report of an issue (with the retry of the
failed ones), the printable edition."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.i18n import known_language
from newsletter.versions import FALLBACK_NOTES
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()

#: the statuses offered in the report's filter, with their label's message id
STATUS_CHOICES = (
    ("sent", "sent"),
    ("failed_permanent", "failed"),
    ("bounced", "bounced"),
    ("failed_temporary", "temporary failure"),
    ("skipped", "skipped"),
    ("queued", "queued"),
)


@router.get("/issues/{issue_id}/report")
def issue_report(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    status: str = "",
    reason: str = "",
    page: int = 1,
) -> Response:
    """Who got the issue and who did not, and why; filters by status and reason."""
    report = service.reports.issue_report(issue_id, status=status, reason=reason, page=page)
    return render(
        request,
        "console/report.html",
        section="issues",
        report=report,
        statuses=[(value, t(request, label)) for value, label in STATUS_CHOICES],
        counting=service.ctx.settings.click_counting,
    )


@router.post("/issues/{issue_id}/report/retry")
def retry_failed(request: Request, service: ServiceDep, issue_id: int) -> Response:
    """Queue the permanently failed recipients again (``issue retry`` does the same)."""
    url = f"/console/issues/{issue_id}/report"
    try:
        count = service.delivery.retry_failed(issue_id)
    except NewsletterError as error:
        return redirect(url, error.localized(request_language(request)), request, kind="error")
    return redirect(
        url, t(request, "{count} failed recipient(s) queued again.", count=count), request
    )


@router.get("/bounces")
def bounces(request: Request, service: ServiceDep, kind: str = "") -> Response:
    """The bounce overview: bounced and failing addresses, with their actions."""
    return render(
        request,
        "console/bounces.html",
        section="bounces",
        addresses=service.reports.bounced_addresses(kind),
        kind=kind,
        expiry_days=service.ctx.settings.bounce_soft_expiry_days,
    )


def _done(request: Request, message: str) -> Response:
    return redirect("/console/bounces", message, request)


def _failed(request: Request, error: NewsletterError) -> Response:
    return redirect(
        "/console/bounces", error.localized(request_language(request)), request, kind="error"
    )


@router.post("/bounces/{subscriber_id}/reactivate")
def reactivate(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    subscriber_id: int,
    reason: str = Form(""),
) -> Response:
    try:
        service.reports.reactivate(subscriber_id, reason, by=account.email)
    except NewsletterError as error:
        return _failed(request, error)
    return _done(request, t(request, "The address is active again."))


@router.post("/bounces/{subscriber_id}/fix")
def fix_address(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    subscriber_id: int,
    email: str = Form(""),
) -> Response:
    try:
        address = service.reports.fix_address(subscriber_id, email, by=f"console: {account.email}")
    except NewsletterError as error:
        return _failed(request, error)
    return _done(request, t(request, "Address corrected: {email}.", email=address))


@router.post("/bounces/{subscriber_id}/remove")
def remove_address(request: Request, service: ServiceDep, subscriber_id: int) -> Response:
    try:
        service.reports.remove_address(subscriber_id)
    except NewsletterError as error:
        return _failed(request, error)
    return _done(request, t(request, "The person was removed."))


@router.get("/reports/activity")
def activity(request: Request, service: ServiceDep, year: int = 0) -> Response:
    """The yearly activity report's figures, with its files in French and Dutch."""
    chosen = year or datetime.now(ZoneInfo(service.ctx.settings.timezone)).year
    report = service.reports.activity(chosen, request_language(request))
    return render(
        request, "console/activity.html", section="reports", report=report,
        fallback_notes=FALLBACK_NOTES,
    )  # fmt: skip


ACTIVITY_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/reports/activity/{year}/activity.{kind}")
def activity_file(service: ServiceDep, year: int, kind: str, lang: str = "fr") -> Response:
    if kind not in ACTIVITY_TYPES:
        return Response(status_code=404)
    language = known_language(lang)
    data = service.reports.activity_file(year, kind, language)
    disposition = "inline" if kind == "pdf" else "attachment"
    return Response(
        data,
        media_type=ACTIVITY_TYPES[kind],
        headers={
            "Content-Disposition": f'{disposition}; filename="activite-{year}-{language}.{kind}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


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
