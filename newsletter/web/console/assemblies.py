"""General assemblies (AG): create and edit, invitation issue, RSVP list, minutes (PV)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.web.deps import ServiceDep
from newsletter.web.forms import local_datetime, read_upload
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


def _speakers(text: str) -> list[dict[str, str]]:
    speakers = []
    for line in text.splitlines():
        if line.strip():
            name, _, organisation = line.partition(",")
            speakers.append({"name": name.strip(), "organisation": organisation.strip()})
    return speakers


@router.get("/assemblies")
def assemblies(request: Request, service: ServiceDep) -> Response:
    return render(
        request,
        "console/assemblies.html",
        section="assemblies",
        assemblies=service.console.assemblies(),
    )


@router.get("/assemblies/new")
def new_form(request: Request) -> Response:
    return render(request, "console/assembly_form.html", section="assemblies", assembly=None)


@router.post("/assemblies/new")
def create(
    request: Request,
    service: ServiceDep,
    title: str = Form(""),
    theme: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    place: str = Form(""),
    video_url: str = Form(""),
    agenda: str = Form(""),
    speakers: str = Form(""),
) -> Response:
    zone = service.ctx.settings.timezone
    try:
        start = local_datetime(starts_at, zone)
        if start is None:
            raise ValidationError(N_("Give the date and time of the assembly."))
        created = service.editorial.create_assembly(
            title=title, theme=theme, starts_at=start, ends_at=local_datetime(ends_at, zone),
            place=place, video_url=video_url,
            agenda=[line.strip() for line in agenda.splitlines() if line.strip()],
            speakers=_speakers(speakers),
        )  # fmt: skip
    except NewsletterError as error:
        return render(
            request, "console/assembly_form.html", status_code=400, section="assemblies",
            assembly=None, error=error.localized(request_language(request)),
            values={"title": title, "theme": theme, "starts_at": starts_at, "ends_at": ends_at,
                    "place": place, "video_url": video_url, "agenda": agenda,
                    "speakers": speakers},
        )  # fmt: skip
    message = t(request, "Assembly created. Prepare its invitation when you are ready.")
    return redirect(f"/console/assemblies/{created.id}", message, request)


@router.get("/assemblies/{assembly_id}")
def detail(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    assembly = service.console.assembly(assembly_id)
    speakers_text = "\n".join(
        ", ".join(part for part in (s.get("name", ""), s.get("organisation", "")) if part)
        for s in assembly.speakers
    )
    return render(
        request,
        "console/assembly.html",
        section="assemblies",
        assembly=assembly,
        speakers_text=speakers_text,
        summary=service.rsvp.summary(assembly_id),
        status=service.assemblies.status(assembly_id),
        record=service.assemblies.attendance(assembly_id),
        record_line=service.assemblies.attendance_line(assembly_id, request_language(request)),
        rules=service.assemblies.rules(assembly_id),
        pv=next(
            (e for e in service.assemblies.minutes_archive() if e.assembly_id == assembly_id), None
        ),
    )


@router.post("/assemblies/{assembly_id}/edit")
def edit(
    request: Request,
    service: ServiceDep,
    assembly_id: int,
    title: str = Form(""),
    theme: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    place: str = Form(""),
    video_url: str = Form(""),
    agenda: str = Form(""),
    speakers: str = Form(""),
) -> Response:
    zone = service.ctx.settings.timezone
    url = f"/console/assemblies/{assembly_id}"
    try:
        changes = {
            "title": title, "theme": theme, "starts_at": local_datetime(starts_at, zone),
            "ends_at": local_datetime(ends_at, zone), "place": place, "video_url": video_url,
            "agenda": [line.strip() for line in agenda.splitlines() if line.strip()],
            "speakers": _speakers(speakers),
        }  # fmt: skip
        if changes["starts_at"] is None:
            raise ValidationError(N_("Give the date and time of the assembly."))
        service.editorial.update_assembly(assembly_id, **changes)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Changes saved."), request)


@router.post("/assemblies/{assembly_id}/minutes")
def minutes(
    request: Request, service: ServiceDep, assembly_id: int, file: UploadFile = File(...)
) -> Response:
    url = f"/console/assemblies/{assembly_id}"
    upload = read_upload(file)
    try:
        if upload is None:
            raise ValidationError(N_("Choose a file first."))
        name, data = upload
        if not data.startswith(b"%PDF-"):
            raise ValidationError(N_("{name} is not a PDF file: only PDFs are accepted."),
                                  name=name)  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(data)
            service.editorial.attach_minutes(assembly_id, path)
    except NewsletterError as error:
        return _fail(request, url, error)
    message = t(request, "Minutes (PV) attached. They will go with the next assembly's invitation.")
    return redirect(url, message, request)


@router.post("/assemblies/{assembly_id}/invitation")
def invitation(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    """A draft issue that announces this AG only (its PV attached), ready to compose."""
    issue_id = service.assemblies.invitation(assembly_id)
    message = t(request, "Invitation prepared: choose the lists, check the preview and send it.")
    return redirect(f"/console/issues/{issue_id}", message, request)


@router.post("/assemblies/{assembly_id}/minutes/approve")
def approve_minutes(
    request: Request,
    service: ServiceDep,
    assembly_id: int,
    outcome: str = Form("approved"),
    public: str = Form(""),
    file: UploadFile | None = File(None),
) -> Response:
    """Record the approval of the PV (at the next AG), with the final PDF if changed."""
    url = f"/console/assemblies/{assembly_id}"
    try:
        upload = read_upload(file) if file is not None else None
        service.assemblies.approve_minutes(assembly_id, outcome, upload, public=public == "yes")
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Approval recorded: the PV is final in the archive."), request)
