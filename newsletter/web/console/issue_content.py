"""What goes into an issue, in the composer: AGs (any of them) and their PV, the
coordinator's blocks (text, image, button), who gets an annex. Plain forms: each works
without JavaScript (the page's script saves the texts form before any of them)."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.models import FileUpload
from newsletter.web.deps import ServiceDep
from newsletter.web.forms import read_upload
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


def _optional_id(value: str) -> int | None:
    """An AG id from a select; "" or "none": no PV."""
    value = value.strip()
    if value in ("", "none"):
        return None
    try:
        return int(value)
    except ValueError as error:
        raise ValidationError(N_("Unknown action.")) from error


@router.post("/issues/{issue_id}/assemblies")
def change_assemblies(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    action: str = Form(...),
    assembly_id: str = Form(""),
    minutes_from: str = Form(""),
) -> Response:
    """``add`` / ``remove`` an AG, or ``minutes``: which PV goes with it."""
    url = f"/console/issues/{issue_id}#assemblies"
    try:
        chosen = _optional_id(assembly_id)
        if chosen is None:
            raise ValidationError(N_("Choose an assembly first."))
        if action == "add":
            service.issue_content.add_assembly(issue_id, chosen)
            message = t(request, "Assembly added to the issue.")
        elif action == "remove":
            service.issue_content.remove_assembly(issue_id, chosen)
            message = t(request, "Assembly taken out of the issue.")
        elif action == "minutes":
            service.issue_content.set_minutes(issue_id, chosen, _optional_id(minutes_from))
            message = t(request, "The minutes (PV) sent with the assembly are saved.")
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, message, request)


@router.post("/issues/{issue_id}/annexes/{annex_id}/audience")
def annex_audience(
    request: Request, service: ServiceDep, issue_id: int, annex_id: int, audience: str = Form("")
) -> Response:
    url = f"/console/issues/{issue_id}#annexes"
    try:
        service.issue_content.set_annex_audience(issue_id, annex_id, audience)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Saved"), request)


def _texts(form: dict[str, str]) -> dict[str, dict[str, str]]:
    """The words of a block per language from ``body_fr``, ``label_nl``… fields."""
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        values = {
            name: form[f"{name}_{lang}"]
            for name in ("body", "label", "image_alt")
            if f"{name}_{lang}" in form
        }
        if values:
            texts[lang] = values
    return texts


async def _form(request: Request) -> tuple[dict[str, str], FileUpload | None]:
    """The fields and the uploaded image of a block form (its files closed after)."""
    async with request.form() as data:
        fields = {key: value for key, value in data.items() if isinstance(value, str)}
        image = data.get("image")
        upload = None
        if image is not None and not isinstance(image, str):
            read = read_upload(image)  # type: ignore[arg-type]
            if read is not None:
                upload = (read[0], image.content_type or "application/octet-stream", read[1])
    return fields, upload


@router.post("/issues/{issue_id}/blocks")
async def add_block(request: Request, service: ServiceDep, issue_id: int) -> Response:
    url = f"/console/issues/{issue_id}#blocks"
    try:
        form, image = await _form(request)
        block_id = service.issue_content.add_block(
            issue_id, form.get("kind", ""), place=form.get("place", "introduction"),
            audience=form.get("audience", "all"), texts=_texts(form), url=form.get("url", ""),
            image=image,
        )  # fmt: skip
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(
        f"/console/issues/{issue_id}#block-{block_id}", t(request, "Block added."), request
    )


@router.post("/issues/{issue_id}/blocks/{block_id}")
async def change_block(
    request: Request, service: ServiceDep, issue_id: int, block_id: int
) -> Response:
    """``save`` (its words, place, audience, address, image), ``up``, ``down``, ``remove``."""
    url = f"/console/issues/{issue_id}#block-{block_id}"
    try:
        form, image = await _form(request)
        action = form.get("action", "save")
        content = service.issue_content
        if action == "save":
            content.update_block(
                issue_id, block_id, place=form.get("place"), audience=form.get("audience"),
                texts=_texts(form), url=form.get("url"), image=image,
            )  # fmt: skip
            message = t(request, "Block saved.")
        elif action in ("up", "down"):
            content.move_block(issue_id, block_id, -1 if action == "up" else 1)
            message = ""
        elif action == "remove":
            content.remove_block(issue_id, block_id)
            url, message = f"/console/issues/{issue_id}#blocks", t(request, "Block removed.")
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, message, request) if message else redirect(url)
