"""Moderation of the mailing lists' posts, beside the news queue: held posts with the
reason, approve, approve and trust the sender, reject with a reason; the delivery report
of a post's relay, with its pause / resume / cancel."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.models import PostStatus
from newsletter.web.console.reports import STATUS_CHOICES
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
TABS = ("held", "approved", "relaying", "paused", "relayed", "cancelled", "rejected", "dropped")


@router.get("/lists/posts")
def posts(request: Request, service: ServiceDep, status: str = "held", list: str = "") -> Response:
    """The posts of every list that takes posts, one status at a time."""
    wanted = PostStatus(status) if status in TABS else PostStatus.held
    lists = service.lists.posting_lists()
    chosen = list if list in lists else None
    return render(
        request,
        "console/list_posts.html",
        section="lists",
        status=wanted.value,
        tabs=TABS,
        lists=lists,
        chosen=chosen or "",
        posts=service.lists.posts(chosen, wanted, limit=200),
    )


@router.get("/lists/posts/{post_id}.eml")
def raw(request: Request, service: ServiceDep, post_id: int) -> Response:
    """The post as received, to read it whole before deciding."""
    return Response(
        service.lists.raw(post_id),
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="post-{post_id}.eml"'},
    )


@router.post("/lists/posts/{post_id}/decide")
def decide(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    post_id: int,
    action: str = Form(...),
    reason: str = Form(""),
) -> Response:
    try:
        if action in ("approve", "trust"):
            service.lists.approve(post_id, by=account.email, trust=action == "trust")
            message = (
                t(request, "Post approved and its sender trusted: it goes to the list's members.")
                if action == "trust"
                else t(request, "Post approved: it goes to the list's members.")
            )
        elif action == "reject":
            service.lists.reject(post_id, reason=reason, by=account.email)
            message = t(request, "Post rejected. The sender is told the reason by e-mail.")
        else:
            return redirect("/console/lists/posts", None, request)
    except NewsletterError as error:
        return redirect("/console/lists/posts", error.localized(request_language(request)),
                        request, kind="error")  # fmt: skip
    return redirect("/console/lists/posts", message, request)


@router.get("/lists/posts/{post_id}/report")
def report(
    request: Request,
    service: ServiceDep,
    post_id: int,
    status: str = "",
    reason: str = "",
    page: int = 1,
) -> Response:
    """Who got the post and who did not, and why (as an issue's delivery report), with
    the relay's pause, resume and cancel."""
    found = service.list_reports.report(post_id, status=status, reason=reason, page=page)
    segment = service.lists.segments().get(found.post.list_id)
    return render(
        request,
        "console/list_post_report.html",
        section="lists",
        report=found,
        list_title=segment.title_in(request_language(request)) if segment else found.post.list_id,
        statuses=[(value, t(request, label)) for value, label in STATUS_CHOICES],
    )


@router.post("/lists/posts/{post_id}/relay")
def relay(
    request: Request,
    service: ServiceDep,
    post_id: int,
    action: str = Form(""),
    confirm: str = Form(""),
) -> Response:
    """Pause, resume or cancel (once confirmed) the relay of a post."""
    url = f"/console/lists/posts/{post_id}/report"
    try:
        if action == "pause":
            service.list_relays.pause(post_id)
            message = t(request, "Relay paused.")
        elif action == "resume":
            service.list_relays.resume(post_id)
            message = t(request, "Relay resumed.")
        elif action == "cancel":
            if confirm != "yes":
                raise ValidationError(N_("Tick the box to confirm the cancellation."))
            service.list_relays.cancel(post_id)
            message = t(request, "Relay cancelled: nothing more of this post will go out.")
        else:
            return redirect(url, None, request)
    except NewsletterError as error:
        return redirect(url, error.localized(request_language(request)), request, kind="error")
    return redirect(url, message, request)
