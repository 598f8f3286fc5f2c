"""Moderation of the mailing lists' posts, beside the news queue: held posts with the
reason, approve, approve and trust the sender, reject with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.models import PostStatus
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
TABS = ("held", "approved", "relayed", "rejected", "dropped")


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
