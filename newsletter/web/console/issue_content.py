"""What goes into an issue, in the composer: AGs (any of them) and their PV, the
coordinator's blocks (text, image, button), who gets an annex. Their fields and buttons
belong to the composer form: each route saves the composer's fields first, then acts (a
bare post of the action's own fields, as scripts send it, changes nothing else)."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.models import FileUpload
from newsletter.web.console.composer_form import (
    ComposerDep,
    ComposerNotSaved,
    block_texts,
    image_upload,
    minutes_choice,
)
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, t

router = APIRouter()


def _fail(request: Request, url: str, error: NewsletterError) -> Response:
    return redirect(url, error.localized(request_language(request)), request, kind="error")


def _assembly_action(
    request: Request, service: ServiceDep, issue_id: int, action: str, chosen: int | None,
    minutes_from: str,
) -> Response:  # fmt: skip
    url = f"/console/issues/{issue_id}#assemblies"
    try:
        if chosen is None:
            raise ValidationError(N_("Choose an assembly first."))
        if action == "add":
            service.issue_content.add_assembly(issue_id, chosen)
            message = t(request, "Assembly added to the issue.")
        elif action == "remove":
            service.issue_content.remove_assembly(issue_id, chosen)
            message = t(request, "Assembly taken out of the issue.")
        elif action == "minutes":
            service.issue_content.set_minutes(issue_id, chosen, minutes_choice(minutes_from))
            message = t(request, "The minutes (PV) sent with the assembly are saved.")
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, message, request)


@router.post("/issues/{issue_id}/assemblies")
def change_assemblies(
    request: Request,
    service: ServiceDep,
    issue_id: int,
    fields: ComposerDep,
    action: str = Form(...),
    assembly_id: str = Form(""),
    minutes_from: str = Form(""),
) -> Response:
    """``add`` / ``remove`` an AG, or ``minutes``: which PV goes with it (the composer's
    "add" button; scripts post any of the three with ``assembly_id``)."""
    try:
        fields.save_first(service, issue_id)
        chosen = minutes_choice(assembly_id)
    except NewsletterError as error:
        return _fail(request, f"/console/issues/{issue_id}#assemblies", error)
    return _assembly_action(request, service, issue_id, action, chosen, minutes_from)


@router.post("/issues/{issue_id}/assemblies/{assembly_id}")
async def change_assembly(
    request: Request, service: ServiceDep, issue_id: int, assembly_id: int, fields: ComposerDep,
    action: str = Form(...), minutes_from: str = Form(""),
) -> Response:  # fmt: skip
    """The composer's buttons of one AG: ``remove``, or ``minutes`` (its PV from the field
    ``minutes_from_<id>`` of the composer form, else ``minutes_from``)."""
    if fields.sent:
        minutes_from = fields.minutes.get(assembly_id, "")
    try:
        fields.save_first(service, issue_id, skip_assembly=assembly_id)
    except NewsletterError as error:
        return _fail(request, f"/console/issues/{issue_id}#assemblies", error)
    return _assembly_action(request, service, issue_id, action, assembly_id, minutes_from)


@router.post("/issues/{issue_id}/annexes/{annex_id}/audience")
async def annex_audience(
    request: Request, service: ServiceDep, issue_id: int, annex_id: int, fields: ComposerDep,
    audience: str = Form(""),
) -> Response:  # fmt: skip
    """Who gets an annex: from the composer form (``annex_audience_<id>``, the composer
    saved first), or ``audience`` alone."""
    url = f"/console/issues/{issue_id}#annexes"
    if fields.sent:
        chosen = (await request.form()).get(f"annex_audience_{annex_id}", "")
        audience = chosen if isinstance(chosen, str) else ""
    try:
        fields.save_first(service, issue_id)
        service.issue_content.set_annex_audience(issue_id, annex_id, audience)
    except NewsletterError as error:
        return _fail(request, url, error)
    return redirect(url, t(request, "Saved"), request)


async def _form(request: Request, prefix: str) -> tuple[dict[str, str], FileUpload | None]:
    """The fields and the uploaded image of a block (its files closed after): from the
    composer form, those named ``<prefix>…`` (``block_3_body_fr``: ``body_fr``); from a
    bare post (``prefix`` empty), all of them."""
    async with request.form() as data:
        fields = {key.removeprefix(prefix): value for key, value in data.items()
                  if isinstance(value, str) and key.startswith(prefix)}  # fmt: skip
        upload = image_upload(data.get(f"{prefix}image"))
    return fields, upload


@router.post("/issues/{issue_id}/blocks")
async def add_block(
    request: Request, service: ServiceDep, issue_id: int, fields: ComposerDep,
    kind: str = Form(""),
) -> Response:  # fmt: skip
    """A new block of ``kind``: from the composer (its ``new_<kind>_…`` fields, the
    composer saved first), or from a bare post of the block's fields."""
    url = f"/console/issues/{issue_id}#blocks"
    try:
        fields.save_first(service, issue_id)
        form, image = await _form(request, f"new_{kind}_" if fields.sent else "")
        block_id = service.issue_content.add_block(
            issue_id, kind, place=form.get("place", "introduction"),
            audience=form.get("audience", "all"), texts=block_texts(form), url=form.get("url", ""),
            image=image,
        )  # fmt: skip
    except NewsletterError as error:
        if fields.sent:  # shown again as typed, the error next to the new block
            raise ComposerNotSaved(issue_id, fields, {f"new-{kind}": error}) from error
        return _fail(request, url, error)
    return redirect(
        f"/console/issues/{issue_id}#block-{block_id}", t(request, "Block added."), request
    )


@router.post("/issues/{issue_id}/blocks/{block_id}")
async def change_block(
    request: Request, service: ServiceDep, issue_id: int, block_id: int, fields: ComposerDep,
    action: str = Form("save"),
) -> Response:  # fmt: skip
    """``save`` (its words, place, audience, address, image), ``up``, ``down``,
    ``remove``; from the composer, every block is saved first with the composer's fields
    (the block taken out excepted); a bare post saves this block's fields alone."""
    url = f"/console/issues/{issue_id}#block-{block_id}"
    try:
        fields.save_first(service, issue_id, skip_block=block_id if action == "remove" else None)
        content = service.issue_content
        if action == "save":
            if not fields.sent:
                form, image = await _form(request, "")
                content.update_block(
                    issue_id, block_id, place=form.get("place"), audience=form.get("audience"),
                    texts=block_texts(form), url=form.get("url"), image=image,
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
