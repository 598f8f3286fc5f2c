"""Issues: list, composer with live preview, test send, send now or schedule, then the
sending page with live progress and the delivery report (CSV export)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_, known_language
from newsletter.models import IssueStatus
from newsletter.service.search import IssueFilter
from newsletter.web.console import filters
from newsletter.web.console.autosave import autosave_answer, autosaving
from newsletter.web.console.composer_form import ComposerDep, ComposerNotSaved
from newsletter.web.console.composer_page import compose_page
from newsletter.web.deps import ServiceDep, get_service
from newsletter.web.forms import local_datetime, read_upload
from newsletter.web.headers import EMAIL_FRAME_POLICY
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
ISSUE_STATES = tuple(state.value for state in IssueStatus)


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


@router.get("/issues")
def issues(
    request: Request, service: ServiceDep, q: str = "", status: str = "", since: str = "",
    until: str = "", page: str = "1",
) -> Response:  # fmt: skip
    """The issues, filtered by the query string (words, status, days), a page at a time."""
    wanted = IssueFilter(statuses=(status,) if status in ISSUE_STATES else ())
    listing = filters.read_listing(request, wanted, service.search.issues, q=q, since=since,
                                   until=until, page=page)  # fmt: skip
    return render(
        request,
        "console/issues.html",
        section="issues",
        found=listing.found,
        issues=listing.found.rows,
        states=ISSUE_STATES,
        status=status if status in ISSUE_STATES else "",
        values=listing.values,
        filtering=listing.typed or bool(wanted.statuses),
        filter_error=listing.error,
        approved=service.console.news_counts().get("approved", 0),
    )


@router.post("/issues/new")
def new_issue(request: Request, service: ServiceDep, title: str = Form("")) -> Response:
    summary = service.editorial.draft_issue(title=title.strip() or None)
    message = t(request, "Draft issue created with the approved news and upcoming assemblies.")
    return redirect(f"/console/issues/{summary.id}", message, request)


@router.get("/issues/{issue_id}")
def compose(
    request: Request, service: ServiceDep, issue_id: int, lang: str = "fr", width: str = "desktop"
) -> Response:
    return compose_page(request, service, issue_id, lang, width)


@router.get("/issues/{issue_id}/preview.html")
def preview_html(
    request: Request, service: ServiceDep, issue_id: int, lang: str = "fr"
) -> Response:
    """The HTML part of the exact message a sample recipient gets."""
    result = service.editorial.preview(issue_id, language=known_language(lang))
    return Response(
        result.html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": EMAIL_FRAME_POLICY, "X-Frame-Options": "SAMEORIGIN"},
    )


@router.get("/issues/{issue_id}/preview.eml")
def preview_eml(request: Request, service: ServiceDep, issue_id: int, lang: str = "fr") -> Response:
    result = service.editorial.preview(issue_id, language=known_language(lang))
    return Response(
        result.eml,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="numero-{issue_id}-{lang}.eml"'},
    )


@router.post("/issues/{issue_id}/texts")
def save_texts(
    request: Request, service: ServiceDep, issue_id: int, fields: ComposerDep
) -> Response:
    """The composer's own button (and its autosave): title and introduction in each
    language, lists, public, bilingual."""
    url = f"/console/issues/{issue_id}"
    try:
        fields.save(service, issue_id)
        if fields.sent and not autosaving(request):  # the page's own save button
            fields.add_typed_blocks(service, issue_id, but=None)
    except ComposerNotSaved as refused:
        if autosaving(request):
            return autosave_answer(request, service, issue_id, refused.errors)
        raise
    if autosaving(request):
        return autosave_answer(request, service, issue_id)
    return redirect(url, t(request, "Issue saved."), request)


@router.post("/issues/{issue_id}/items")
def change_items(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    fields: ComposerDep,
    item: str = Form(""),
    news_id: str = Form(""),
    action: str = Form(""),
) -> Response:
    """Add, remove or move a news item: ``item`` is ``action:news_id`` (the composer's
    buttons), or ``action`` and ``news_id`` apart."""
    url = f"/console/issues/{issue_id}#items"
    if item:
        action, _sep, news_id = item.partition(":")
    try:
        fields.save_first(service, issue_id)
        if not news_id.isdigit():
            raise ValidationError(N_("Unknown action."))
        chosen = int(news_id)
        detail = service.console.issue_detail(issue_id)
        positions = {entry.news_id: index for index, entry in enumerate(detail.entries)}
        if action == "add":
            service.editorial.add_issue_item(issue_id, chosen)
        elif action == "remove":
            service.editorial.remove_issue_item(issue_id, chosen)
        elif action in ("up", "down") and chosen in positions:
            target = positions[chosen] + (-1 if action == "up" else 1)
            target = max(0, min(len(positions) - 1, target))
            service.editorial.move_issue_item(issue_id, chosen, target)
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Issue saved.") if fields.sent else None, request)


@router.post("/issues/{issue_id}/annexes")
def add_annex(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    fields: ComposerDep,
    file: UploadFile | None = File(None),
    label: str = Form(""),
    label_other: str = Form(""),
) -> Response:
    url = f"/console/issues/{issue_id}#annexes"
    try:
        fields.save_first(service, issue_id)
        upload = read_upload(file) if file is not None else None
        if upload is None:
            raise ValidationError(N_("Choose a file first."))
        name, data = upload
        content_type = (file.content_type if file else None) or "application/octet-stream"
        service.editorial.add_issue_annex(
            issue_id, (name, content_type, data), label, other_label=label_other
        )
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Annex added."), request)


@router.post("/issues/{issue_id}/annexes/{annex_id}/labels")
def annex_labels(
    request: Request, service: ServiceDep, issue_id: int, annex_id: int, fields: ComposerDep,
    label_fr: str = Form(""), label_nl: str = Form(""),
) -> Response:  # fmt: skip
    """An annex's label in French and in Dutch (an empty one: its readers get the other);
    from the composer, with everything typed (the labels of every annex among it)."""
    url = f"/console/issues/{issue_id}#annexes"
    try:
        if fields.sent:
            fields.save_first(service, issue_id)
        else:
            labels = {"fr": label_fr, "nl": label_nl}
            service.editorial.set_annex_labels(issue_id, annex_id, labels)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Changes saved."), request)


@router.post("/issues/{issue_id}/annexes/{annex_id}/remove")
def remove_annex(
    request: Request, service: ServiceDep, issue_id: int, annex_id: int, fields: ComposerDep
) -> Response:
    url = f"/console/issues/{issue_id}#annexes"
    try:
        fields.save_first(service, issue_id)
        service.editorial.remove_issue_annex(issue_id, annex_id)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Annex removed."), request)


@router.post("/issues/{issue_id}/send")
def send_now(request: Request, service: ServiceDep, issue_id: int, fields: ComposerDep) -> Response:
    try:
        fields.save_first(service, issue_id)
        detail = service.console.issue_detail(issue_id)
        total = service.delivery.start_send(issue_id, detail.row.lists)
    except NewsletterError as error:
        return _fail(request, f"/console/issues/{issue_id}#send", error)
    message = t(request, "Sending started to {n} recipients.", n=total)
    return redirect(f"/console/issues/{issue_id}/sending", message, request)


@router.post("/issues/{issue_id}/schedule")
def schedule(
    request: Request, service: ServiceDep, issue_id: int, fields: ComposerDep, at: str = Form("")
) -> Response:
    url = f"/console/issues/{issue_id}#send"
    try:
        fields.save_first(service, issue_id)
        when = local_datetime(at, service.ctx.settings.timezone)
        if when is None:
            raise ValidationError(N_("Choose the date and time of the send."))
        service.delivery.schedule(issue_id, when)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(f"/console/issues/{issue_id}/sending", t(request, "Send scheduled."), request)


@router.get("/issues/{issue_id}/sending")
def sending(request: Request, service: ServiceDep, issue_id: int) -> Response:
    detail = service.console.issue_detail(issue_id)
    return render(
        request,
        "console/sending.html",
        section="issues",
        issue=detail,
        **_progress(request, issue_id),
    )


@router.get("/issues/{issue_id}/progress")
def progress(request: Request, service: ServiceDep, issue_id: int) -> Response:
    """The figures of the sending page alone (refreshed by the page every few seconds)."""
    detail = service.console.issue_detail(issue_id)
    return render(request, "console/_progress.html", issue=detail, **_progress(request, issue_id))


def _progress(request: Request, issue_id: int) -> dict[str, Any]:
    service = get_service(request)
    status = service.delivery.status(issue_id)
    # the first failures only (the delivery report pages through all of them)
    failures = service.reports.issue_report(issue_id, status="problems", per_page=20)
    rate = None
    if status.started_at and status.sent:
        end = status.sent_at or datetime.now(UTC)
        seconds = (end - status.started_at).total_seconds()
        rate = round(status.sent / seconds, 1) if seconds > 0 else None
    return {
        "status": status,
        "failures": failures,
        "rate": rate,
        "done": status.done,
    }


@router.post("/issues/{issue_id}/control")
def control(
    request: Request, service: ServiceDep, issue_id: int, action: str = Form(...)
) -> Response:
    url = f"/console/issues/{issue_id}/sending"
    messages = {
        "pause": t(request, "Sending paused."),
        "resume": t(request, "Sending resumed."),
        "cancel": t(request, "Sending cancelled: nothing more will go out."),
        "retry": t(request, "The failed recipients will be tried again."),
    }
    try:
        if action == "pause":
            service.delivery.pause(issue_id)
        elif action == "resume":
            service.delivery.resume(issue_id)
        elif action == "cancel":
            service.delivery.cancel(issue_id)
        elif action == "retry":
            service.delivery.retry_failed(issue_id)
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, messages[action], request)


@router.get("/issues/{issue_id}/report.csv")
def report_csv(request: Request, service: ServiceDep, issue_id: int) -> Response:
    data = service.delivery.report_csv(issue_id, request_language(request))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rapport-numero-{issue_id}.csv"'},
    )
