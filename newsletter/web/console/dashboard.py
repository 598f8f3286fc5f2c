"""Dashboard: queue counts, next scheduled send, last issue's delivery figures, next AG;
and the stored files (images, attachments, PV) the console shows."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.service import Service
from newsletter.service.supervision import RUNNING, TaskState
from newsletter.web.deps import ServiceDep
from newsletter.web.headers import EMAIL_FRAME_POLICY
from newsletter.web.pages import render
from newsletter.web.public.archive import INLINE_TYPES, file_policy

router = APIRouter()
MAILBOX_SHOWN = 100


@router.get("/")
def dashboard(request: Request, service: ServiceDep) -> Response:
    last = service.console.last_sent()
    upcoming = service.console.assemblies(upcoming_only=True)
    next_ag = upcoming[-1] if upcoming else None
    return render(
        request,
        "console/dashboard.html",
        section="dashboard",
        counts=service.console.news_counts(),
        quarantined=len(service.intake.quarantined(limit=100)),
        next_scheduled=service.console.next_scheduled(),
        last=last,
        last_status=service.delivery.status(last.id) if last else None,
        next_ag=next_ag,
        rsvp=service.rsvp.summary(next_ag.id) if next_ag else None,
        catcher=getattr(request.app.state, "catcher", None),
        workers=stopped_tasks(service),
    )


def stopped_tasks(service: Service) -> list[TaskState]:
    """The supervised tasks that are not running ("delivery worker stopped: …")."""
    return [w for w in service.delivery.workers() if w.state != RUNNING]


@router.get("/files/{file_id}")
def stored_file(request: Request, service: ServiceDep, file_id: int) -> Response:
    ref, data = service.console.file(file_id)
    inline = ref.content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{_quote(ref.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": file_policy(ref.content_type),
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get("/mailbox")
def mailbox(request: Request) -> Response:
    """The messages kept by the embedded mail catcher (no SMTP relay configured)."""
    messages = _caught(request)
    rows = [
        (index, m.get("To", ""), m.get("Subject", ""), m.get("Date", ""))
        for index, m in reversed(list(enumerate(messages)))
    ][:MAILBOX_SHOWN]
    return render(request, "console/mailbox.html", section="dashboard", rows=rows,
                  enabled=getattr(request.app.state, "catcher", None) is not None)  # fmt: skip


@router.get("/mailbox/{index}")
def mailbox_message(request: Request, index: int) -> Response:
    messages = _caught(request)
    if not 0 <= index < len(messages):
        raise NotFoundError(N_("This page does not exist."))
    message = messages[index]
    body = message.get_body(("html", "plain"))
    content = body.get_content() if body is not None else ""
    if body is not None and body.get_content_type() == "text/plain":
        return Response(content, media_type="text/plain; charset=utf-8")
    return Response(content, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": EMAIL_FRAME_POLICY})  # fmt: skip


def _caught(request: Request) -> list[EmailMessage]:
    catcher = getattr(request.app.state, "catcher", None)
    if catcher is None:
        return []
    out = []
    for raw in catcher.store.messages():
        parsed = message_from_bytes(raw, _class=EmailMessage, policy=default)
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out
