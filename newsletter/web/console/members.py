"""Members: a person's details, the organisations and lists, the import with its report
(the search and the actions on people: ``people.py``)."""

from __future__ import annotations

from fastapi import APIRouter, File, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.service.audience import FIELD_LABELS, FIELDS, ImportPreview
from newsletter.web.console.people import subscriber_page
from newsletter.web.console.person_form import PersonFormDep
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
MAX_IMPORT_BYTES = 5 * 1024 * 1024
PAGE_SIZE = 200
MAX_COLUMNS = 200


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


@router.post("/members/{subscriber_id:int}")
def save_subscriber(
    request: Request,
    service: ServiceDep,
    subscriber_id: int,
    form: PersonFormDep,
) -> Response:
    """A person's details; refused changes show the page again as typed, the error at
    its field."""
    try:
        service.people.edit(subscriber_id, form)
    except NewsletterError as error:
        return subscriber_page(
            request, service, subscriber_id, status_code=400, values=form.values(),
            error=error.localized(request_language(request)), error_field=error.field,
        )  # fmt: skip
    return redirect(f"/console/members/{subscriber_id}", t(request, "Changes saved."), request)


@router.get("/import")
def import_page(request: Request) -> Response:
    return render(request, "console/import.html", section="members", tab="import", report=None)


@router.post("/import")
def import_file(request: Request, service: ServiceDep, file: UploadFile = File(...)) -> Response:
    """Step 1: keep the file, then show how its columns are matched."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        too_large = t(request, "The file is too large (5 MB at most).")
        return _import_error(request, too_large, "file")
    try:
        token = service.audience.stage_import(data, file.filename or "import.csv")
    except ValidationError as error:
        return _import_error(request, error.localized(request_language(request)), "file")
    return redirect(f"/console/import/{token}")


def _import_error(request: Request, message: str, field: str = "") -> Response:
    """The upload page again (status 400), the error at the file field and above it (a
    browser cannot fill a file field again: the file is chosen anew)."""
    return render(
        request, "console/import.html", status_code=400, section="members", tab="import",
        report=None, error=message, error_field=field,
    )  # fmt: skip


def _matching_refused(
    request: Request, service: ServiceDep, token: str, fields: list[str | None],
    error: ValidationError,
) -> Response:  # fmt: skip
    """The matching page again (status 400) with every column's field as chosen and the
    error above the form and under the columns; the upload page when the staged file is
    gone."""
    message = error.localized(request_language(request))
    try:
        typed = service.audience.typed_matching(token, fields)
    except NewsletterError:
        return _import_error(request, message)
    return render(
        request, "console/import_match.html", status_code=400, section="members", tab="import",
        preview=typed, fields=FIELDS, labels=FIELD_LABELS, error=message,
        error_field=error.field or "columns",
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
            return await run_in_threadpool(
                _matching_refused, request, service, token, fields, error
            )
        return _matching_page(request, preview)
    try:
        report = await run_in_threadpool(service.audience.confirm_import, token, fields)
    except ValidationError as error:
        return await run_in_threadpool(_matching_refused, request, service, token, fields, error)
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
