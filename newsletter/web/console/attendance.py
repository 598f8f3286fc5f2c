"""An AG's quorum and follow-up (reminder, rules), and the door: check-in on a phone,
the sheet to print, the attendance record and its CSV."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.web.console.assemblies import assembly_page
from newsletter.web.deps import ServiceDep
from newsletter.web.forms import local_datetime
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


@router.post("/assemblies/{assembly_id}/remind")
def remind(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    """Remind the organisations that have not answered, now."""
    url = f"/console/assemblies/{assembly_id}"
    try:
        result = service.assemblies.remind(assembly_id, now=True)
    except NewsletterError as error:
        return _fail(request, url, error)
    message = t(request, "Reminder on its way to {n} recipients.", n=result.recipients)
    return redirect(f"/console/issues/{result.issue_id}/sending", message, request)


@router.post("/assemblies/{assembly_id}/rules")
def rules(
    request: Request,
    service: ServiceDep,
    assembly_id: int,
    proxy_limit: str = Form(""),
    closes_at: str = Form(""),
    reminder_at: str = Form(""),
) -> Response:
    """The AG's rules; refused ones show the page again (status 400) with every value as
    typed, the error at its field and said above the form."""
    zone = service.ctx.settings.timezone
    typed = {"proxy_limit": proxy_limit, "closes_at": closes_at, "reminder_at": reminder_at}
    try:
        service.assemblies.set_rules(
            assembly_id,
            proxy_limit=proxy_limit,
            closes_at=_typed_time(closes_at, zone, "closes_at"),
            reminder_at=_typed_time(reminder_at, zone, "reminder_at"),
        )
    except NewsletterError as error:
        return assembly_page(
            request, service, assembly_id, status_code=400, refused="rules", rules_typed=typed,
            error=error.localized(request_language(request)), error_field=error.field,
        )  # fmt: skip
    url = f"/console/assemblies/{assembly_id}"
    return redirect(url, t(request, "Changes saved."), request)


def _typed_time(value: str, zone: str, field: str) -> datetime | None:
    try:
        return local_datetime(value, zone)
    except ValidationError as error:
        raise error.on(field) from None


@router.get("/assemblies/{assembly_id}/checkin")
def checkin(request: Request, service: ServiceDep, assembly_id: int, q: str = "") -> Response:
    assembly = service.console.assembly(assembly_id)
    return render(
        request,
        "console/checkin.html",
        section="assemblies",
        assembly=assembly,
        people=service.assemblies.people(assembly_id, q),
        query=q,
        status=service.assemblies.status(assembly_id),
    )


@router.post("/assemblies/{assembly_id}/checkin")
def tick(
    request: Request,
    service: ServiceDep,
    assembly_id: int,
    email: str = Form(""),
    attendance_id: str = Form(""),
    present: str = Form("yes"),
    q: str = Form(""),
) -> Response:
    url = f"/console/assemblies/{assembly_id}/checkin" + (f"?q={quote(q)}" if q else "")
    try:
        if attendance_id.isdigit():
            service.assemblies.attend_row(assembly_id, int(attendance_id), present == "yes")
        else:
            service.assemblies.attend(assembly_id, email, present == "yes")
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url)


@router.post("/assemblies/{assembly_id}/walkin")
def walkin(
    request: Request,
    service: ServiceDep,
    assembly_id: int,
    name: str = Form(""),
    organisation: str = Form(""),
    email: str = Form(""),
) -> Response:
    url = f"/console/assemblies/{assembly_id}/checkin"
    try:
        service.assemblies.walk_in(assembly_id, name, organisation, email)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "{name} is there.", name=name.strip()[:200]), request)


@router.get("/assemblies/{assembly_id}/sheet.pdf")
def sheet(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    data = service.assemblies.sheet_pdf(assembly_id, request_language(request))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="presences-ag-{assembly_id}.pdf"'},
    )


@router.get("/assemblies/{assembly_id}/attendance.csv")
def attendance_csv(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    return Response(
        service.assemblies.attendance_csv(assembly_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="presences-ag-{assembly_id}.csv"'},
    )
