"""Commands of the mailing lists: lists posts, approve, reject; the relay of a post:
lists report, pause, resume, cancel."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from newsletter.cli.common import _, console, lists_app, print_json, service, shown
from newsletter.errors import ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from newsletter.models import PostStatus

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
STATUSES = ", ".join(s.value for s in PostStatus)


@lists_app.command("posts")
def lists_posts(
    list_id: Annotated[str, typer.Argument(metavar="LIST", help="A list that takes posts.")],
    status: Annotated[
        str | None, typer.Option("--status", help=f"Only the posts in this status ({STATUSES}).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The posts written to a list, newest first, with why they are held or dropped."""
    try:
        wanted = PostStatus(status) if status else None
    except ValueError:
        raise ValidationError(N_("Unknown status '{status}' (one of: {known})."),
                              status=status, known=STATUSES) from None  # fmt: skip
    with service() as svc:
        posts = svc.lists.posts(list_id, wanted)
    if as_json:
        print_json([p.as_json() for p in posts])
        return
    table = Table(_("Post"), _("Status"), _("Sender"), _("Subject"), _("Reason"))
    for post in posts:
        reason = post.reason.render() if post.reason else post.note
        table.add_row(str(post.id), post.status.value, shown(post.sender),
                      shown(post.subject), shown(reason))  # fmt: skip
    console.print(table)


@lists_app.command("approve")
def lists_approve(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
    trust: Annotated[
        bool, typer.Option("--trust", help="Trust the sender on this list from now on.")
    ] = False,
) -> None:
    """Let a held post go to the list's members (queued in the outbox)."""
    with service() as svc:
        post = svc.lists.approve(post_id, by="cli", trust=trust)
    console.print(_("Post {post} approved; it goes to the members of {list}.")
                  .format(post=post.id, list=shown(post.list_id)), markup=False)  # fmt: skip


@lists_app.command("reject")
def lists_reject(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
    reason: Annotated[str, typer.Option("--reason", help="Why; the poster is told.")],
) -> None:
    """Refuse a held post; the poster gets the reason in their language."""
    with service() as svc:
        post = svc.lists.reject(post_id, reason=reason, by="cli")
    console.print(_("Post {post} rejected.").format(post=post.id), markup=False)


@lists_app.command("report")
def lists_report(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
    as_json: JsonOption = False,
    status: Annotated[
        str, typer.Option("--status", help="Only this delivery status (or 'problems').")
    ] = "",
    lang: Annotated[str, typer.Option("--lang", help="fr or nl.")] = "fr",
) -> None:
    """The delivery report of a post's relay: sent, failed, bounced, skipped and pending
    per member, with the counts and the reason in words."""
    language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    with service() as svc:
        report = svc.list_reports.report(post_id)
        rows = list(svc.list_reports.rows(post_id, status))
    document = report.document(rows, language)
    if as_json:
        print_json(document)
        return
    console.print(
        _(
            "Post {post} ({status}): {sent} sent, {failed} failed, {bounced} bounced, "
            "{skipped} skipped, {pending} pending of {total}."
        ).format(**document),
        markup=False,
    )
    if document["reason"] and report.post.status.value in ("paused", "cancelled"):
        console.print(_("Reason: {reason}").format(reason=shown(document["reason"])), markup=False)
    for row in document["recipients"]:
        line = f"{row['email']}\t{row['status']}\t{row['attempts']}"
        if row["reason"]:
            line += f"\t{row['reason']}\t{row['smtp_reply']}"
        console.print(shown(line), markup=False)


@lists_app.command("pause")
def lists_pause(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
    reason: Annotated[str, typer.Option("--reason", help="Shown with the post.")] = "",
) -> None:
    """Pause a post's relay; running senders stop after the messages in flight."""
    with service() as svc:
        svc.list_relays.pause(post_id, reason)
    console.print(_("Relay of post {post} paused.").format(post=post_id), markup=False)


@lists_app.command("resume")
def lists_resume(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
) -> None:
    """Resume a paused relay; 'newsletter serve' sends the rest."""
    with service() as svc:
        svc.list_relays.resume(post_id)
    console.print(_("Relay of post {post} resumed.").format(post=post_id), markup=False)


@lists_app.command("cancel")
def lists_cancel(
    post_id: Annotated[int, typer.Argument(metavar="POST_ID", help="The post.")],
) -> None:
    """Cancel a post's relay: the members not reached yet never get it."""
    with service() as svc:
        dropped = svc.list_relays.cancel(post_id)
    console.print(
        _("Relay of post {post} cancelled; {count} messages will not be sent.").format(
            post=post_id, count=dropped
        ),
        markup=False,
    )
