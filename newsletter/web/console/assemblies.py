"""General assemblies (AG): create and edit, invitation issue, RSVP list, minutes (PV)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.web.deps import ServiceDep
from newsletter.web.forms import local_datetime, read_upload
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


@router.get("/assemblies")
def assemblies(request: Request, service: ServiceDep) -> Response:
    return render(
        request,
        "console/assemblies.html",
        section="assemblies",
        assemblies=service.console.assemblies(),
    )


#: the texts with a version per language, as the assembly form names them (the
#: original's without a suffix, the other language's with ``_fr``/``_nl``)
TEXTS = ("title", "theme", "place", "agenda", "speakers")


def _by_language(original: str, form: dict[str, str]) -> dict[str, dict[str, str]]:
    """The typed texts per language: the original's column and the other one's."""
    original = original if original in LANGUAGES else LANGUAGES[0]
    other = next(code for code in LANGUAGES if code != original)
    return {
        original: {name: form.get(name, "") for name in TEXTS},
        other: {name: form.get(f"{name}_{other}", "") for name in TEXTS},
    }


def _texts(service: ServiceDep, typed: dict[str, str], lang: str) -> dict[str, object]:
    """One language's typed texts as the service takes them (agenda and speakers as
    lists); ``lang``: that column's language, named in an error about its speakers."""
    return {"title": typed["title"], "theme": typed["theme"], "place": typed["place"],
            "agenda": service.editorial.parse_agenda(typed["agenda"]),
            "speakers": service.editorial.parse_speakers(typed["speakers"], lang)}  # fmt: skip


def _side_by_side(
    title: str, theme: str, place: str, agenda: str, speakers: str,
    title_fr: str, theme_fr: str, place_fr: str, agenda_fr: str, speakers_fr: str,
    title_nl: str, theme_nl: str, place_nl: str, agenda_nl: str, speakers_nl: str,
) -> dict[str, str]:  # fmt: skip
    return {"title": title, "theme": theme, "place": place, "agenda": agenda,
            "speakers": speakers, "title_fr": title_fr, "theme_fr": theme_fr,
            "place_fr": place_fr, "agenda_fr": agenda_fr, "speakers_fr": speakers_fr,
            "title_nl": title_nl, "theme_nl": theme_nl, "place_nl": place_nl,
            "agenda_nl": agenda_nl, "speakers_nl": speakers_nl}  # fmt: skip


def speakers_text(speakers: list[dict[str, str]]) -> str:
    """Speakers as the form shows them: ``Name, Organisation`` one a line."""
    return "\n".join(
        ", ".join(part for part in (s.get("name", ""), s.get("organisation", "")) if part)
        for s in speakers
    )


def _stored(texts: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """An AG's stored texts per language as the form shows them."""
    return {
        code: {"title": str(t.get("title") or ""), "theme": str(t.get("theme") or ""),
               "place": str(t.get("place") or ""), "agenda": "\n".join(t.get("agenda") or []),
               "speakers": speakers_text(list(t.get("speakers") or []))}
        for code, t in texts.items()
    }  # fmt: skip


def _error_field(error: NewsletterError, form_original: str, service_original: str) -> str:
    """The name of the form field an error is about ("" when none): a text of the form's
    original column has no suffix, the other column's has ``_fr``/``_nl``."""
    if not error.field:
        return ""
    if error.field not in TEXTS:
        return error.field
    code = error.field_language or service_original
    return error.field if code == form_original else f"{error.field}_{code}"


def _form_error(
    request: Request, error: NewsletterError, form_original: str, service_original: str
) -> dict[str, str]:
    return {"error": error.localized(request_language(request)),
            "error_field": _error_field(error, form_original, service_original)}  # fmt: skip


@router.get("/assemblies/new")
def new_form(request: Request) -> Response:
    return render(request, "console/assembly_form.html", section="assemblies", assembly=None)


@router.post("/assemblies/new")
def create(
    request: Request, service: ServiceDep,
    language: str = Form("fr"), original: str = Form("fr"),
    starts_at: str = Form(""), ends_at: str = Form(""), video_url: str = Form(""),
    title: str = Form(""), theme: str = Form(""), place: str = Form(""), agenda: str = Form(""),
    speakers: str = Form(""),
    title_fr: str = Form(""), theme_fr: str = Form(""), place_fr: str = Form(""),
    agenda_fr: str = Form(""), speakers_fr: str = Form(""),
    title_nl: str = Form(""), theme_nl: str = Form(""), place_nl: str = Form(""),
    agenda_nl: str = Form(""), speakers_nl: str = Form(""),
) -> Response:  # fmt: skip
    zone = service.ctx.settings.timezone
    typed = _by_language(original, _side_by_side(
        title, theme, place, agenda, speakers, title_fr, theme_fr, place_fr, agenda_fr,
        speakers_fr, title_nl, theme_nl, place_nl, agenda_nl, speakers_nl))  # fmt: skip
    try:
        main = typed.get(language)
        if main is None:
            raise ValidationError(
                N_("Unknown language “{code}”: use fr (French) or nl (Dutch)."), code=language[:20]
            ).on("language")
        start = local_datetime(starts_at, zone)
        if start is None:
            raise ValidationError(N_("Give the date and time of the assembly.")).on("starts_at")
        texts = _texts(service, main, language)
        others = {code: _texts(service, t, code) for code, t in typed.items() if code != language}
        created = service.editorial.create_assembly(
            title=str(texts["title"]), theme=str(texts["theme"]), starts_at=start,
            ends_at=local_datetime(ends_at, zone), place=str(texts["place"]),
            video_url=video_url, agenda=list(texts["agenda"]),  # type: ignore[call-overload]
            speakers=list(texts["speakers"]),  # type: ignore[call-overload]
            language=language, texts=others,
        )  # fmt: skip
    except NewsletterError as error:
        shown = language if language in LANGUAGES else original  # the form shown again
        return render(
            request, "console/assembly_form.html", status_code=400, section="assemblies",
            assembly=None, typed=typed, **_form_error(request, error, shown, language),
            values={"starts_at": starts_at, "ends_at": ends_at, "video_url": video_url,
                    "language": shown},
        )  # fmt: skip
    message = t(request, "Assembly created. Prepare its invitation when you are ready.")
    return redirect(f"/console/assemblies/{created.id}", message, request)


def assembly_page(
    request: Request, service: ServiceDep, assembly_id: int, status_code: int = 200,
    **form: Any,
) -> Response:  # fmt: skip
    """The AG's page; ``form``: what was typed in its edit form and the error, when the
    changes were refused (every typed value shown again)."""
    assembly = service.console.assembly(assembly_id)
    form.setdefault("typed", _stored(assembly.texts))
    return render(
        request,
        "console/assembly.html",
        status_code=status_code,
        section="assemblies",
        assembly=assembly,
        summary=service.rsvp.summary(assembly_id),
        status=service.assemblies.status(assembly_id),
        record=service.assemblies.attendance(assembly_id),
        record_line=service.assemblies.attendance_line(assembly_id, request_language(request)),
        rules=service.assemblies.rules(assembly_id),
        pv=next(
            (e for e in service.assemblies.minutes_archive() if e.assembly_id == assembly_id), None
        ),
        **form,
    )


@router.get("/assemblies/{assembly_id}")
def detail(request: Request, service: ServiceDep, assembly_id: int) -> Response:
    return assembly_page(request, service, assembly_id)


@router.post("/assemblies/{assembly_id}/edit")
def edit(
    request: Request, service: ServiceDep, assembly_id: int,
    original: str = Form(""), both: str = Form(""),
    starts_at: str = Form(""), ends_at: str = Form(""), video_url: str = Form(""),
    title: str = Form(""), theme: str = Form(""), place: str = Form(""), agenda: str = Form(""),
    speakers: str = Form(""),
    title_fr: str = Form(""), theme_fr: str = Form(""), place_fr: str = Form(""),
    agenda_fr: str = Form(""), speakers_fr: str = Form(""),
    title_nl: str = Form(""), theme_nl: str = Form(""), place_nl: str = Form(""),
    agenda_nl: str = Form(""), speakers_nl: str = Form(""),
) -> Response:  # fmt: skip
    """The AG's texts in both languages side by side (``both``), or the original only.
    Refused changes show the page again with everything typed and the error at its field."""
    zone = service.ctx.settings.timezone
    url = f"/console/assemblies/{assembly_id}"
    typed = _by_language(original, _side_by_side(
        title, theme, place, agenda, speakers, title_fr, theme_fr, place_fr, agenda_fr,
        speakers_fr, title_nl, theme_nl, place_nl, agenda_nl, speakers_nl))  # fmt: skip
    (first_code, first), (second_code, second) = typed.items()
    try:
        texts, other = _texts(service, first, ""), _texts(service, second, second_code)
        start = local_datetime(starts_at, zone)
        if start is None:
            raise ValidationError(N_("Give the date and time of the assembly.")).on("starts_at")
        changes = {**texts, "starts_at": start, "ends_at": local_datetime(ends_at, zone),
                   "video_url": video_url}  # fmt: skip
        service.editorial.update_assembly(
            assembly_id, other=other if both == "yes" else None, **changes
        )
    except NewsletterError as error:
        return assembly_page(
            request, service, assembly_id, status_code=400, typed=typed,
            values={"starts_at": starts_at, "ends_at": ends_at, "video_url": video_url},
            **_form_error(request, error, first_code, first_code),
        )  # fmt: skip
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
        service.editorial.attach_minutes(assembly_id, name, data)
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
