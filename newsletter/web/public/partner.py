"""The submission form of partners: a member organisation's personal link (no account),
and a public form for non-members whose news are marked as such in the queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from newsletter import links
from newsletter.errors import NewsletterError
from newsletter.service.partners import PartnerOrganisation
from newsletter.service.submissions import NewsForm
from newsletter.web.auth import client_ip
from newsletter.web.deps import get_service
from newsletter.web.forms import local_datetime, read_upload
from newsletter.web.lang import chosen_language, request_language
from newsletter.web.pages import redirect, render

router = APIRouter()
EMPTY: dict[str, str] = {
    "title": "", "body": "", "category": "", "sender": "", "organisation": "", "link": "",
    "language": "", "event_start": "", "event_end": "", "event_place": "", "image_alt": "",
    "other_title": "", "other_body": "",
    "submission_key": "",
}  # fmt: skip


def _organisation(request: Request, token: str | None) -> PartnerOrganisation | None:
    if token is None:
        return None
    organisation: PartnerOrganisation = get_service(request).partners.organisation_for(token)
    return organisation


def _page(
    request: Request,
    token: str | None,
    values: dict[str, str],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    service = get_service(request)
    return render(
        request,
        "public/submit.html",
        status_code=status_code,
        organisation=_organisation(request, token),
        action=f"/submit/{token}" if token else "/submit",
        categories=service.ctx.settings.categories,
        values=dict(
            values, submission_key=values.get("submission_key") or service.partner_items.new_key()
        ),
        **extra,
    )


@router.get("/submit")
def public_form(request: Request) -> Response:
    return _page(request, None, dict(EMPTY, language=request_language(request)))


@router.get("/submit/{token}")
def partner_form(request: Request, token: str) -> Response:
    return _page(request, token, dict(EMPTY, language=request_language(request)))


@router.post("/submit")
def public_submit(
    request: Request,
    action: str = Form("send"),
    title: str = Form(""), body: str = Form(""), category: str = Form(""),
    sender: str = Form(""), organisation: str = Form(""), link: str = Form(""),
    language: str = Form("fr"), event_start: str = Form(""), event_end: str = Form(""),
    event_place: str = Form(""), image_alt: str = Form(""), submission_key: str = Form(""),
    other_title: str = Form(""), other_body: str = Form(""),
    image: UploadFile | None = File(None), files: list[UploadFile] | None = File(None),
) -> Response:  # fmt: skip
    values = dict(title=title, body=body, category=category, sender=sender,
                  organisation=organisation, link=link, language=language,
                  event_start=event_start, event_end=event_end, event_place=event_place,
                  image_alt=image_alt, submission_key=submission_key,
                  other_title=other_title, other_body=other_body)  # fmt: skip
    return _submit(request, None, action, values, image, files or [])


@router.post("/submit/{token}")
def partner_submit(
    request: Request,
    token: str,
    action: str = Form("send"),
    title: str = Form(""), body: str = Form(""), category: str = Form(""),
    sender: str = Form(""), link: str = Form(""),
    language: str = Form("fr"), event_start: str = Form(""), event_end: str = Form(""),
    event_place: str = Form(""), image_alt: str = Form(""), submission_key: str = Form(""),
    other_title: str = Form(""), other_body: str = Form(""),
    image: UploadFile | None = File(None), files: list[UploadFile] | None = File(None),
) -> Response:  # fmt: skip
    values = dict(title=title, body=body, category=category, sender=sender,
                  organisation="", link=link, language=language, event_start=event_start,
                  event_end=event_end, event_place=event_place, image_alt=image_alt,
                  submission_key=submission_key,
                  other_title=other_title, other_body=other_body)  # fmt: skip
    return _submit(request, token, action, values, image, files or [])


@router.post("/submit-preview")
def preview_fragment(request: Request, body: str = Form(""), title: str = Form("")) -> Response:
    """The text as it will appear (used by the form's preview button)."""
    service = get_service(request)
    try:
        body_html = service.submissions.preview(body, title, ip=client_ip(request))
    except NewsletterError as error:
        return render(request, "public/_submit_preview.html", status_code=400,
                      error=error.localized(request_language(request)))  # fmt: skip
    return render(request, "public/_submit_preview.html", title=title, body_html=body_html)


def _submit(
    request: Request,
    token: str | None,
    action: str,
    values: dict[str, str],
    image: UploadFile | None,
    files: list[UploadFile],
) -> Response:
    service = get_service(request)
    organisation = _organisation(request, token)
    if action == "preview":
        try:
            preview = service.submissions.preview(
                values["body"], values["title"], ip=client_ip(request)
            )
        except NewsletterError as error:
            return _page(request, token, values, status_code=400,
                         error=error.localized(request_language(request)))  # fmt: skip
        return _page(request, token, values, preview=preview)
    zone = service.ctx.settings.timezone
    try:
        form = NewsForm(
            title=values["title"], body=values["body"], category=values["category"],
            sender=values["sender"].strip(),
            organisation=organisation.name if organisation else values["organisation"],
            link=values["link"].strip(), language=values["language"],
            event_start=local_datetime(values["event_start"], zone),
            event_end=local_datetime(values["event_end"], zone),
            event_place=values["event_place"], image_alt=values["image_alt"],
            other_title=values.get("other_title", ""), other_body=values.get("other_body", ""),
        )  # fmt: skip
        uploads = [u for u in (read_upload(f) for f in files) if u is not None]
        summary = service.submissions.submit(
            form,
            ip=client_ip(request),
            organisation_id=organisation.id if organisation else None,
            image=read_upload(image),
            files=uploads,
            submission_key=values["submission_key"],
            page_language=chosen_language(request) or "",
        )
    except NewsletterError as error:
        return _page(request, token, values, status_code=400,
                     error=error.localized(request_language(request)))  # fmt: skip
    # POST-redirect-GET: reloading the confirmation submits nothing again
    item = urlsplit(links.news_item_url(service.ctx.settings, summary.id)).path
    return redirect(f"{item}?sent=1")
