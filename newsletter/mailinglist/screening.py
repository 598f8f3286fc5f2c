"""What a post is before anyone looks at who wrote it: a loop, a machine's mail, too
large, malformed, with a refused attachment, or failing DMARC at our own server.

``screen`` is pure: the message, its size and the list's settings in, a verdict out.
A loop (our own list's ``List-Id`` or ``X-Loop`` coming back) and mail written by
machines (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk|list|junk``, bounces and
other reports, out-of-office replies) are **dropped**: recorded, never relayed, never
answered. A post that cannot go out as it is (too large, no sender, an attachment type
the list refuses, DMARC failed at our MTA) is **held** with the reason.

A post held for its size may still be approved, up to the list's hard limit
(``posting.hard_max_bytes``); ``approval_refused`` says why a post cannot be approved
at all (over that limit, or not kept whole by the intake). It stays as it is, nothing
is dropped: the moderator rejects it with a reason, or raises the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from newsletter.audience.segments import Segment
from newsletter.i18n import N_, Msg
from newsletter.intake.mail.authentication import FROM_HEADER, SenderAuth
from newsletter.intake.mail.automatic import Automatic, automatic
from newsletter.intake.mail.headers import header, raw_values, sender
from newsletter.mailinglist.routing import list_id_token
from newsletter.store.mailinglist import ListPost

LOOP_LIST_ID = N_("Loop: our own message to {list} came back (List-Id)")
LOOP_X_LOOP = N_("Loop: the message already went through {list} (X-Loop)")
AUTOMATIC = N_("Automatic message ({kind}): never relayed")
BULK = N_("Bulk or list mail (Precedence: {precedence}): never relayed")
TOO_LARGE = N_("Too large: {size} KB, the list takes at most {limit} KB")
TOO_LARGE_HARD = N_(
    "Too large: {size} KB, over the list's hard limit of {limit} KB: it can only be rejected"
)
TRUNCATED = N_("Too large to be read whole ({size} KB): it cannot be relayed")
NO_SENDER = N_("The message has no valid sender address")
UNREADABLE = N_("The message could not be read as e-mail")
ATTACHMENT = N_("Attachment type not accepted by the list: {type} ({name})")
DMARC_FAILED = N_("DMARC failed at our mail server for {domain}: the sender may be forged")
OTHER_LIST = N_("Sent through another mailing list ({list_id})")
NOT_KEPT_WHOLE = N_(
    "Post {post} ({size} KB) was larger than the intake reads (INTAKE_MAX_MESSAGE, {limit} KB): "
    "only its headers were kept and it cannot be relayed. Reject it with a reason (the poster "
    "is told) and ask for a smaller message or a link."
)
OVER_HARD_LIMIT = N_(
    "Post {post} is {size} KB, over the hard limit of {list} ({limit} KB, "
    "posting.hard_max_bytes in its file): it cannot be relayed. It stays as it is: reject it "
    "with a reason (the poster is told), or raise the limit."
)


@dataclass(frozen=True)
class Verdict:
    #: "dropped", "held" or "" (nothing against it: the moderation rules decide)
    action: str
    reason: Msg | None = None


PASS = Verdict("")


def _kb(size: int) -> int:
    return max(1, round(size / 1024))


def is_loop(message: Message, segment: Segment) -> Msg | None:
    """Why this is our own message coming back, or None."""
    assert segment.posting is not None
    token = list_id_token(segment).casefold()
    if token and f"<{token}>" in header(message, "List-Id").casefold():
        return Msg(LOOP_LIST_ID, {"list": segment.posting.address})
    loops = {value.strip().strip("<>").casefold() for value in raw_values(message, "X-Loop")}
    if segment.posting.address in loops:
        return Msg(LOOP_X_LOOP, {"list": segment.posting.address})
    return None


def attachments(message: Message) -> list[tuple[str, str]]:
    """(MIME type, file name) of each attachment part."""
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").casefold()
        name = part.get_filename() or ""
        if disposition == "attachment" or name:
            found.append((part.get_content_type(), name))
    return found


def screen(
    message: Message,
    segment: Segment,
    *,
    size: int,
    truncated: bool = False,
    parsed: bool = True,
    auth: SenderAuth | None = None,
) -> Verdict:
    """The verdict of the list's own checks (see the module docstring)."""
    posting = segment.posting
    assert posting is not None
    loop = is_loop(message, segment)
    if loop is not None:
        return Verdict("dropped", loop)
    kind = automatic(message)
    if kind in (Automatic.auto_replied, Automatic.auto_generated, Automatic.mailer_daemon):
        return Verdict("dropped", Msg(AUTOMATIC, {"kind": kind.value}))
    precedence = header(message, "Precedence").strip().casefold()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return Verdict("dropped", Msg(BULK, {"precedence": precedence}))
    if truncated:
        return Verdict("held", Msg(TRUNCATED, {"size": _kb(size)}))
    if not parsed:
        return Verdict("held", Msg(UNREADABLE))
    if not sender(message)[1]:
        return Verdict("held", Msg(NO_SENDER))
    if size > posting.hard_limit:
        return Verdict(
            "held", Msg(TOO_LARGE_HARD, {"size": _kb(size), "limit": _kb(posting.hard_limit)})
        )
    if size > posting.max_bytes:
        return Verdict("held", Msg(TOO_LARGE, {"size": _kb(size), "limit": _kb(posting.max_bytes)}))
    for content_type, name in attachments(message):
        if not posting.allows_type(content_type):
            return Verdict("held", Msg(ATTACHMENT, {"type": content_type, "name": name or "-"}))
    if auth is not None and auth.method == FROM_HEADER and auth.dmarc in {"fail", "permerror"}:
        domain = sender(message)[1].rpartition("@")[2]
        return Verdict("held", Msg(DMARC_FAILED, {"domain": domain}))
    if kind is Automatic.mailing_list:
        return Verdict(
            "held", Msg(OTHER_LIST, {"list_id": header(message, "List-Id")[:200] or "-"})
        )
    return PASS


def approval_refused(
    post: ListPost, segment: Segment, *, intake_limit: int
) -> tuple[str, dict[str, object]] | None:
    """Why ``post`` cannot be approved (message id and parameters), or None when it can:
    kept whole and within the list's hard limit, whatever else it was held for."""
    posting = segment.posting
    assert posting is not None
    if post.truncated:
        return NOT_KEPT_WHOLE, {"post": post.id, "size": _kb(post.size), "limit": _kb(intake_limit)}
    if post.size > posting.hard_limit:
        limit = _kb(posting.hard_limit)
        title = segment.title_in("fr")
        return OVER_HARD_LIMIT, {"post": post.id, "size": _kb(post.size), "list": title,
                                 "limit": limit}  # fmt: skip
    return None
