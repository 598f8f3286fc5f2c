"""Members and subscribers: search, edit, status, CSV import with its report, lists."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import ValidationError
from newsletter.i18n import N_, known_language
from newsletter.service.audience import FIELD_LABELS, FIELDS, ImportPreview
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
MAX_IMPORT_BYTES = 5 * 1024 * 1024
PAGE_SIZE = 200
MAX_COLUMNS = 200


@router.get("/members")
def members(request: Request, service: ServiceDep, q: str = "", list: str = "") -> Response:
    # the lists without their counts (counting every list costs ~1 s at 10,000 people;
    # the Lists tab shows them)
    segments, _errors = service.audience.segments()
    subscribers = service.audience.list_subscribers(list_id=list or None, search=q or None)
    return render(
        request,
        "console/members.html",
        section="members",
        tab="subscribers",
        q=q,
        list_id=list,
        lists=[*segments.values()],
        subscribers=subscribers[:PAGE_SIZE],
        total=len(subscribers),
    )


@router.get("/members/organisations")
def organisations(request: Request, service: ServiceDep) -> Response:
    return render(
        request,
        "console/organisations.html",
        section="members",
        tab="organisations",
        organisations=service.audience.organisations(),
    )


@router.get("/members/lists")
def lists(request: Request, service: ServiceDep) -> Response:
    infos, errors = service.audience.lists()
    return render(
        request, "console/lists.html", section="members", tab="lists", lists=infos, errors=errors
    )


@router.get("/members/{subscriber_id}")
def subscriber(request: Request, service: ServiceDep, subscriber_id: int) -> Response:
    view = service.audience.get_subscriber(subscriber_id)
    return render(
        request,
        "console/subscriber.html",
        section="members",
        tab="subscribers",
        subscriber=view,
        member_of=service.audience.lists_of(subscriber_id),
        titles={info.id: info.title for info in service.audience.lists()[0]},
        organisations=service.audience.organisations(),
    )


@router.post("/members/{subscriber_id}")
def save_subscriber(
    request: Request,
    service: ServiceDep,
    subscriber_id: int,
    name: str = Form(""),
    language: str = Form("fr"),
    organisation: str = Form(""),
    groups: str = Form(""),
    roles: str = Form(""),
) -> Response:
    service.audience.update_subscriber(
        subscriber_id,
        name=name,
        language=known_language(language),
        organisation=organisation,
        groups=groups,
        roles=roles,
    )
    return redirect(f"/console/members/{subscriber_id}", t(request, "Changes saved."), request)


@router.post("/members/{subscriber_id}/status")
def change_status(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    subscriber_id: int,
    status: str = Form(...),
) -> Response:
    if status not in ("active", "unsubscribed", "blocked"):
        raise ValidationError(N_("Unknown status."))
    service.audience.set_status(subscriber_id, status, reason=f"console: {account.email}")
    return redirect(f"/console/members/{subscriber_id}", t(request, "Status changed."), request)


@router.get("/import")
def import_page(request: Request) -> Response:
    return render(request, "console/import.html", section="members", tab="import", report=None)


@router.post("/import")
def import_file(request: Request, service: ServiceDep, file: UploadFile = File(...)) -> Response:
    """Step 1: keep the file, then show how its columns are matched."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return _import_error(request, t(request, "The file is too large (5 MB at most)."))
    try:
        token = service.audience.stage_import(data, file.filename or "import.csv")
    except ValidationError as error:
        return _import_error(request, error.localized(request_language(request)))
    return redirect(f"/console/import/{token}")


def _import_error(request: Request, message: str) -> Response:
    return render(
        request, "console/import.html", status_code=400, section="members", tab="import",
        report=None, error=message,
    )  # fmt: skip


@router.get("/import/{token}")
def import_matching(request: Request, service: ServiceDep, token: str) -> Response:
    """Step 2: each column with its field, the first rows, the counts it would give."""
    try:
        preview = service.audience.preview_import(token)
    except ValidationError as error:
        return _import_error(request, error.localized(request_language(request)))
    return _matching_page(request, preview)


def _matching_page(request: Request, preview: ImportPreview) -> Response:
    return render(
        request, "console/import_match.html", section="members", tab="import",
        preview=preview, fields=FIELDS, labels=FIELD_LABELS,
    )  # fmt: skip


@router.post("/import/{token}")
async def import_confirm(request: Request, service: ServiceDep, token: str) -> Response:
    """Step 3: the matching changed (preview again) or confirmed (import)."""
    form = await request.form()
    fields: list[str | None] = []
    for index in range(MAX_COLUMNS):
        value = form.get(f"col_{index}")
        if not isinstance(value, str):
            break
        fields.append(value if value in FIELDS else None)
    if form.get("action") != "confirm":
        try:
            preview = await run_in_threadpool(service.audience.preview_import, token, fields)
        except ValidationError as error:
            return _import_error(request, error.localized(request_language(request)))
        return _matching_page(request, preview)
    try:
        report = await run_in_threadpool(service.audience.confirm_import, token, fields)
    except ValidationError as error:
        return _import_error(request, error.localized(request_language(request)))
    return render(
        request, "console/import.html", section="members", tab="import", report=report,
        token=token,
    )  # fmt: skip


@router.get("/import/{token}/rejected.csv")
def import_rejected(request: Request, service: ServiceDep, token: str) -> Response:
    return Response(
        service.audience.rejected_rows(token),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="lignes-rejetees.csv"'},
    )


@router.get("/export.csv")
def export(request: Request, service: ServiceDep) -> Response:
    data = service.audience.export_members()
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="repertoire.csv"'},
    )
