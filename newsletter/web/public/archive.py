"""The web version of sent issues (archive), and signed downloads of annexes and images.

A public issue is shown to everyone; a members-only one shows its title to visitors and
its content to a logged-in coordinator (members read it in their mailbox).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NotFoundError, RenderError
from newsletter.i18n import LANGUAGES, N_, known_language
from newsletter.web.deps import ServiceDep, get_service
from newsletter.web.headers import EMAIL_FRAME_POLICY
from newsletter.web.lang import remember_reader, request_language
from newsletter.web.pages import render
from newsletter.web.security import session_account_id

router = APIRouter()
#: shown in the browser; anything else (SVG, HTML…) is downloaded
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


@router.get("/archive")
def archive(request: Request, service: ServiceDep) -> Response:
    issues = service.feeds.published_issues()
    return render(request, "public/archive.html", issues=issues)


@router.get("/archive/{issue_id}")
def web_version(request: Request, service: ServiceDep, issue_id: int, lang: str = "") -> Response:
    issue = next((i for i in service.feeds.published_issues() if i.id == issue_id), None)
    if issue is None:
        raise NotFoundError(N_("This issue is not published."))
    if lang in LANGUAGES:  # the link of an e-mail in that language: the page follows
        remember_reader(request, lang)
    language = known_language(lang, request_language(request))
    html = None
    unavailable = False
    if may_read(request, issue.public):
        try:
            html = _web_html(request, issue_id, language)
        except RenderError:  # logged by the send; the page says so instead of failing
            unavailable = True
    return render(request, "public/web_version.html", issue=issue, html=html,
                  language=language, unavailable=unavailable)  # fmt: skip


@router.get("/archive/{issue_id}/issue.html")
def web_version_body(
    request: Request, service: ServiceDep, issue_id: int, lang: str = "fr"
) -> Response:
    """The issue's HTML alone (for the frame of the web version)."""
    issue = next((i for i in service.feeds.published_issues() if i.id == issue_id), None)
    if issue is None or not may_read(request, issue.public):
        raise NotFoundError(N_("This issue is not published."))
    try:
        html = _web_html(request, issue_id, known_language(lang))
    except RenderError as error:
        message = error.localized(known_language(lang))
        return render(request, "error.html", status_code=503, message=message)
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": EMAIL_FRAME_POLICY})  # fmt: skip


def may_read(request: Request, public: bool) -> bool:
    """Public issues for all; members-only ones for a coordinator, or for a member who
    came through one of their personal links (preferences, RSVP) in this browser."""
    if public or session_account_id(request) is not None:
        return True
    reader = request.session.get("reader")
    if not isinstance(reader, int):
        return False
    try:
        subscriber = get_service(request).audience.get_subscriber(reader)
    except NotFoundError:
        return False
    return bool(subscriber.membership != "none" and subscriber.status == "active")


def _web_html(request: Request, issue_id: int, language: str) -> str:
    """The issue as a reader sees it, with the links of a web reader (no subscriber)."""
    return get_service(request).editorial.web_version_html(issue_id, language)


@router.get("/preferences")
def preferences_help(request: Request) -> Response:
    return render(request, "public/preferences_help.html")


def file_policy(content_type: str) -> str:
    """No script ever; sandboxed too, except PDFs (the browser's viewer needs them plain)."""
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return policy if content_type == "application/pdf" else policy + "; sandbox"


@router.get("/files/{token}/{filename}")
def signed_file(request: Request, service: ServiceDep, token: str, filename: str) -> Response:
    """An annex or image linked from an e-mail (signed link)."""
    ref, data = service.console.file(service.tokens.annex_file(token))
    inline = ref.content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(ref.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=86400",
            "Content-Security-Policy": file_policy(ref.content_type),
        },
    )
