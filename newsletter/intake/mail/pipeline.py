"""One incoming message to one recorded outcome: item, quarantine, bounce or ignored.

``process_message`` runs inside the caller's transaction and writes exactly one
``InboundMessage`` row (none when the mailbox UID was already recorded). The order of
the decisions:

0. written to a mailing list's posting address (``posts``, given by the service) →
   post: the list decides (``mailinglist.posts``), once per list and message, whatever
   the message is (a loop or an auto-reply to a list address is recorded there as
   dropped) except a delivery report, which ``posts.lists_for`` leaves to the steps
   below (a bounce or complaint like any other); never news;
1. seen before (same Message-ID and body, or same bytes without one) → ignored, no
   new item;
2. over the size limit → quarantine (headers kept);
3. a complaint report of a feedback loop (ARF, ``intake.mail.feedback_reports``) →
   complaint, when the caller's ``match_complaint`` proves the delivery it is about;
   quarantine with the reason otherwise (malformed, unproven, about another address);
   a report that is not a complaint (``not-spam``, ``auth-failure``…) → ignored;
4. a bounce (any format: ``intake.mail.bounces``) → bounce, matched to a delivery by
   the caller's ``match_bounce`` only when it proves it, else recorded unmatched; a
   bounce whatever address it came to, never news; a delay warning → ignored;
5. written by a machine (RFC 3834 auto-reply, auto-generated), or sent to the bounce
   address without being a bounce → ignored;
6. otherwise a submission: parsed into a news item (pending; attributed when the sender
   is a subscriber of a member organisation, held as unknown sender otherwise; how the
   sender was authenticated is noted, and a partner's address that nothing confirms is
   marked "sender not verified"), or quarantined with the reason when it cannot be
   parsed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any, Protocol

from sqlalchemy.orm import Session

from newsletter.audience.subscriptions import find_by_email
from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg
from newsletter.intake.files import FilePolicy, FileUpload
from newsletter.intake.mail import headers as h
from newsletter.intake.mail.authentication import SenderAuth, authenticate
from newsletter.intake.mail.automatic import Automatic, automatic, may_acknowledge
from newsletter.intake.mail.bounces import Bounce, parse_bounce
from newsletter.intake.mail.feedback_reports import is_feedback_report, read_feedback_report
from newsletter.intake.mail.language import guess_language
from newsletter.intake.mail.parse import ParsedMail, parse_message
from newsletter.intake.mail.source import RawMessage
from newsletter.intake.news import submit_news
from newsletter.models import InboundOutcome, Language, NewsSource, NewsStatus, SubscriberStatus
from newsletter.store import intake as store
from newsletter.store.intake import RAW_KEEP, InboundMessage
from newsletter.text import html_text_content

UNKNOWN_SENDER = N_("Unknown sender")
UNTITLED = N_("(untitled)")


@dataclass(frozen=True)
class ListMessage:
    """A message written to mailing lists, as the intake read and recorded it."""

    raw: RawMessage
    message: Message
    #: the whole message was parsed (not only its headers)
    parsed: bool
    auth: SenderAuth | None
    #: the ``InboundMessage`` row the intake wrote for it
    inbound_id: int


class PostIntake(Protocol):
    """The mailing lists' side of the intake (``mailinglist.posts.ListIntake``)."""

    def lists_for(self, message: Message, envelope: Sequence[str]) -> list[str]: ...

    def take(self, session: Session, list_ids: Sequence[str], mail: ListMessage) -> TakenPosts: ...


class TakenPosts(Protocol):
    @property
    def post_ids(self) -> list[int]: ...
    @property
    def new(self) -> list[int]: ...


class BounceMatch(Protocol):
    """What the delivery stage says of a bounce (``delivery.bounces.Match``)."""

    @property
    def delivery_id(self) -> int | None: ...
    @property
    def recipient(self) -> str: ...
    @property
    def already_bounced(self) -> bool: ...


class BounceMatcher(Protocol):
    """Finds the delivery a bounce proves it is about; given by the service layer, so
    that reading mail does not depend on the delivery stage."""

    def __call__(
        self,
        session: Session,
        settings: Settings,
        *,
        envelope_addresses: Sequence[str],
        original_message_id: str,
        failed_addresses: Sequence[str],
    ) -> BounceMatch: ...


class ComplaintMatcher(Protocol):
    """Finds the delivery a complaint report proves it is about (``delivery.bounces``)."""

    def __call__(
        self,
        session: Session,
        settings: Settings,
        *,
        envelope_addresses: Sequence[str],
        original_message_id: str,
        recipients: Sequence[str],
    ) -> BounceMatch: ...


@dataclass
class Origin:
    """Where a message came from: a mailbox (folder, UIDVALIDITY, UID), a file or a pipe."""

    source: str
    folder: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    #: the envelope recipients, when the MTA gives them (``intake eml - --recipient``)
    envelope: tuple[str, ...] = ()


@dataclass
class Result:
    record_id: int
    outcome: InboundOutcome
    reason: Msg | None = None
    news_id: int | None = None
    #: the message had been processed before: nothing new was created
    duplicate: bool = False
    #: acknowledgement to send once the transaction is committed: (recipient, bytes)
    acknowledgement: tuple[str, bytes] | None = None
    bounces: list[dict[str, Any]] = field(default_factory=list)
    label: str = ""
    #: the mailing-list posts it became, and which of them are new
    post_ids: list[int] = field(default_factory=list)
    new_posts: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record_id,
            "outcome": self.outcome.value,
            "reason": self.reason.render(DEFAULT_LANGUAGE) if self.reason else "",
            "news_id": self.news_id,
            "duplicate": self.duplicate,
            "bounces": self.bounces,
            "source": self.label,
            "posts": self.post_ids,
        }


def content_digest(data: bytes) -> str:
    """SHA-256 of the body (what follows the headers), line endings normalised: the same
    message relayed twice (other Received lines) has the same one, another message that
    reuses a Message-ID has not."""
    ends = [at for at in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if at >= 0]
    body = data[min(ends) :] if ends else b""
    return hashlib.sha256(body.replace(b"\r\n", b"\n").strip()).hexdigest()


def dedupe_key(message_id: str, digest: str, data: bytes = b"") -> str:
    """Message-ID plus the content hash (a reused Message-ID is not a duplicate); the
    whole message's SHA-256 without a Message-ID."""
    if not message_id:
        return f"sha256:{digest}"
    return f"mid:{message_id[:500]}:{content_digest(data)[:40]}"


def _record(
    session: Session,
    raw: RawMessage,
    origin: Origin,
    *,
    message: Message,
    digest: str,
    key: str | None,
    outcome: InboundOutcome,
    reason: Msg | None,
) -> InboundMessage:
    record = InboundMessage(
        source=origin.source,
        folder=origin.folder,
        uidvalidity=origin.uidvalidity,
        uid=origin.uid,
        message_id=h.message_id(message)[:500],
        dedupe_key=key,
        sha256=digest,
        sender=h.sender(message)[1][:320],
        subject=h.header(message, "Subject")[:300],
        outcome=outcome,
        reason=reason.msgid if reason else "",
        reason_params={k: str(v) for k, v in reason.params.items()} if reason else {},
        size=raw.size,
        raw=raw.data[:RAW_KEEP],
        raw_truncated=raw.truncated or len(raw.data) > RAW_KEEP,
    )
    session.add(record)
    session.flush()
    return record


def process_message(
    session: Session,
    settings: Settings,
    raw: RawMessage,
    origin: Origin,
    *,
    match_bounce: BounceMatcher | None = None,
    match_complaint: ComplaintMatcher | None = None,
    posts: PostIntake | None = None,
) -> Result:
    """Decide and record what becomes of one message (see the module docstring).

    ``match_bounce`` finds the delivery a bounce is about; without it every bounce is
    recorded as matched to no delivery. ``match_complaint`` does the same for complaint
    reports; without it they are quarantined (nothing proves whom they are about)."""
    if origin.folder is not None and origin.uidvalidity is not None and origin.uid is not None:
        seen = store.by_mailbox_uid(session, origin.folder, origin.uidvalidity, origin.uid)
        if seen is not None:
            return Result(seen.id, seen.outcome, None, seen.news_id, duplicate=True)
    digest = hashlib.sha256(raw.data).hexdigest()
    whole = False
    if raw.truncated:
        message = BytesHeaderParser().parsebytes(raw.data)
    else:
        try:
            message = message_from_bytes(raw.data)
            whole = True
        except Exception:  # the parser gave up: read the headers alone
            message = BytesHeaderParser().parsebytes(raw.data)
    message_id = h.message_id(message)
    key = dedupe_key(message_id, digest, raw.data)

    def record(outcome: InboundOutcome, reason: Msg | None, *, unique: bool = True) -> Result:
        row = _record(
            session,
            raw,
            origin,
            message=message,
            digest=digest,
            key=key if unique else None,
            outcome=outcome,
            reason=reason,
        )
        return Result(row.id, outcome, reason)

    first = store.by_dedupe_key(session, key)
    list_ids = posts.lists_for(message, origin.envelope) if posts is not None else []
    if posts is not None and list_ids:
        auth = None
        if whole:
            auth = authenticate(raw.data, message, authserv_id=settings.intake_authserv_id,
                                dkim_verify=settings.intake_dkim_verify)  # fmt: skip
        reason = Msg(N_("Written to the list(s) {lists}"), {"lists": ", ".join(list_ids)})
        result = record(InboundOutcome.post, reason, unique=first is None)
        mail = ListMessage(raw, message, parsed=whole, auth=auth, inbound_id=result.record_id)
        taken = posts.take(session, list_ids, mail)
        result.post_ids = list(taken.post_ids)
        result.new_posts = list(taken.new)
        result.duplicate = not taken.new
        return result
    if first is not None:
        result = record(
            InboundOutcome.ignored,
            Msg(N_("Already received (message {id})"), {"id": first.id}),
            unique=False,
        )
        result.duplicate = True
        result.news_id = first.news_id
        return result
    if raw.truncated:
        size_mb = f"{raw.size / 1024 / 1024:.1f}"
        limit_mb = f"{settings.intake_max_message / 1024 / 1024:.1f}"
        return record(
            InboundOutcome.quarantine,
            Msg(
                N_("The message is too large ({size} MB, at most {limit} MB)"),
                {"size": size_mb, "limit": limit_mb},
            ),
        )
    if is_feedback_report(message):
        return _complaint(session, settings, message, record, match_complaint)
    bounce = parse_bounce(message, own_addresses=_own_addresses(settings))
    if bounce is not None:
        return _bounce(session, settings, bounce, record, match_bounce)
    kind = automatic(message)
    if kind in (Automatic.auto_replied, Automatic.auto_generated, Automatic.mailer_daemon):
        return record(
            InboundOutcome.ignored,
            Msg(N_("Automatic message ({kind}), not news"), {"kind": kind.value}),
        )
    if _to_bounce_address(settings, message):
        return record(
            InboundOutcome.ignored,
            Msg(N_("Sent to the bounce address but not a delivery report")),
        )
    parsed = parse_message(message, max_attachment=settings.intake_max_attachment)
    if parsed.problem is None and not parsed.sender:
        parsed.problem = Msg(N_("The message has no valid sender address"))
    if parsed.problem is not None:
        return record(InboundOutcome.quarantine, parsed.problem)
    auth = authenticate(
        raw.data,
        message,
        authserv_id=settings.intake_authserv_id,
        dkim_verify=settings.intake_dkim_verify,
    )
    return _submission(session, settings, parsed, message, record, list_mail=kind, auth=auth)


def _own_addresses(settings: Settings) -> set[str]:
    own = {h.clean_address(a) for a in (settings.bounce_address, settings.from_address)}
    return {a.lower() for a in own if a}


def _to_bounce_address(settings: Settings, message: Message) -> bool:
    base = h.clean_address(settings.bounce_address.split("<")[-1].strip(">"))
    if not base:
        return False
    local, _, domain = base.lower().rpartition("@")
    local = local.split("+", 1)[0]
    for address in h.addresses(message, "Delivered-To", "X-Original-To", "To"):
        a_local, _, a_domain = address.lower().rpartition("@")
        if a_domain == domain and a_local.split("+", 1)[0] == local:
            return True
    return False


def _bounce(
    session: Session,
    settings: Settings,
    bounce: Bounce,
    record: Callable[[InboundOutcome, Msg | None], Result],
    match_bounce: BounceMatcher | None,
) -> Result:
    failed = bounce.failed
    if bounce.recipients and not failed:
        return record(
            InboundOutcome.ignored,
            Msg(N_("Delivery report without a failure (delay warning), not a bounce")),
        )
    match = (
        match_bounce(
            session,
            settings,
            envelope_addresses=bounce.envelope_addresses,
            original_message_id=bounce.original_message_id,
            failed_addresses=[a for r in failed for a in r.addresses],
        )
        if match_bounce is not None and failed
        else None
    )
    matched_address = match.recipient.lower() if match is not None else ""
    matched_id = match.delivery_id if match is not None and matched_address else None
    found: list[dict[str, Any]] = []
    for recipient in failed:
        is_match = matched_id is not None and matched_address in {
            a.lower() for a in recipient.addresses
        }
        if is_match:
            matched_address = ""  # one delivery, one recipient
        found.append(
            {
                "delivery_id": matched_id if is_match else None,
                "recipient": recipient.address,
                "status": recipient.status,
                "hard": recipient.hard,
                "severity": recipient.severity.value,
                #: message id of what the failure means (translated when shown)
                "reason": recipient.verdict.reason,
                "diagnostic": recipient.diagnostic[:500],
                # a second report about a delivery already bounced is not counted again
                "counted": bool(is_match and match is not None and not match.already_bounced),
            }
        )
    recipients = ", ".join(b["recipient"] for b in found)
    if not failed:
        reason = Msg(
            N_("Bounce ({format}) in which no failed address could be found. Nothing was changed."),
            {"format": bounce.format},
        )
    elif matched_id is not None and match is not None:
        reason = Msg(
            N_("Bounce ({format}) of delivery {delivery} to {recipient}"),
            {"format": bounce.format, "delivery": matched_id, "recipient": match.recipient},
        )
    elif match is None or match.delivery_id is None:
        reason = Msg(
            N_(
                "Unmatched bounce ({format}) for {recipients}: it carries neither a valid "
                "delivery token nor a signed Message-ID. Nothing was changed."
            ),
            {"format": bounce.format, "recipients": recipients},
        )
    else:
        reason = Msg(
            N_(
                "Unmatched bounce ({format}) for {recipients}: it is about delivery "
                "{delivery} but reports another address. Nothing was changed."
            ),
            {"format": bounce.format, "recipients": recipients, "delivery": match.delivery_id},
        )
    result = record(InboundOutcome.bounce, reason)
    row = session.get(InboundMessage, result.record_id)
    if row is not None:
        row.bounces = found
        row.bounces_applied = not any(b["counted"] for b in found)
    result.bounces = found
    return result


def _complaint(
    session: Session,
    settings: Settings,
    message: Message,
    record: Callable[[InboundOutcome, Msg | None], Result],
    match_complaint: ComplaintMatcher | None,
) -> Result:
    """A feedback loop's report: a complaint recorded on the delivery it proves, or a
    quarantine with the reason; it changes no one by itself (``bounces_applied``)."""
    report = read_feedback_report(message)
    if isinstance(report, Msg):
        return record(InboundOutcome.quarantine, report)
    if not report.complaint:
        return record(
            InboundOutcome.ignored,
            Msg(
                N_("Feedback report of type {type}, not a complaint: nothing was changed."),
                {"type": report.feedback_type},
            ),
        )
    match = (
        match_complaint(
            session,
            settings,
            envelope_addresses=report.envelope_addresses,
            original_message_id=report.original_message_id,
            recipients=report.recipients,
        )
        if match_complaint is not None
        else None
    )
    if match is None or match.delivery_id is None:
        return record(
            InboundOutcome.quarantine,
            Msg(
                N_(
                    "Complaint report (ARF) that carries neither a valid delivery token nor "
                    "a signed Message-ID of ours: it is not about one of our deliveries. "
                    "Nothing was changed."
                )
            ),
        )
    if not match.recipient:
        stated = ", ".join(report.recipients)
        return record(
            InboundOutcome.quarantine,
            Msg(
                N_(
                    "Complaint report (ARF) about delivery {delivery} that names another "
                    "address ({recipients}) or several deliveries. Nothing was changed."
                ),
                {"delivery": match.delivery_id, "recipients": stated or "-"},
            ),
        )
    entry: dict[str, Any] = {
        "kind": "complaint",
        "delivery_id": match.delivery_id,
        "recipient": match.recipient,
        "feedback_type": report.feedback_type,
        "user_agent": report.user_agent,
        "counted": True,
    }
    result = record(
        InboundOutcome.complaint,
        Msg(
            N_("Complaint ({type}) about delivery {delivery} to {recipient}"),
            {
                "type": report.feedback_type,
                "delivery": match.delivery_id,
                "recipient": match.recipient,
            },
        ),
    )
    row = session.get(InboundMessage, result.record_id)
    if row is not None:
        row.bounces = [entry]
        row.bounces_applied = False
    result.bounces = [entry]
    return result


def _accepted_files(
    settings: Settings, parsed: ParsedMail, notes: list[Msg]
) -> tuple[FileUpload | None, list[FileUpload]]:
    """The image and attachments through the one file policy (``intake.files``), as from
    the form: images re-encoded; a refused one becomes a note, the item is kept."""
    policy = FilePolicy.of(settings)

    def image(name: str, data: bytes) -> FileUpload | None:
        try:
            return policy.image(name, data)
        except ValidationError as error:
            notes.append(Msg(N_("Image refused: {name}"), {"name": name}))
            notes.append(error.msg)
            return None

    main = image(parsed.image.filename, parsed.image.data) if parsed.image else None
    attachments: list[FileUpload] = []
    for file in parsed.attachments:
        if file.content_type.startswith("image/"):
            accepted = image(file.filename, file.data)
            if accepted is not None:
                attachments.append(accepted)
        else:
            attachments.append((file.filename, file.content_type, file.data))
    return main, attachments


def _submission(
    session: Session,
    settings: Settings,
    parsed: ParsedMail,
    message: Message,
    record: Callable[[InboundOutcome, Msg | None], Result],
    *,
    list_mail: Automatic,
    auth: SenderAuth,
) -> Result:
    subscriber = find_by_email(session, parsed.sender)
    known = (
        subscriber is not None
        and subscriber.organisation_id is not None
        and subscriber.status is not SubscriberStatus.blocked
    )
    notes = list(parsed.notes)
    if not known:
        notes.insert(
            0,
            Msg(
                N_(
                    "Unknown sender: {address} is not a subscriber of a member organisation. "
                    "Check this item before approving it."
                ),
                {"address": parsed.sender},
            ),
        )
    elif not auth.verified:
        # a known partner's address, but nothing proves the partner wrote it
        notes.insert(
            0,
            Msg(
                N_(
                    "Sender not verified: this e-mail says it comes from {address}, a "
                    "partner's address, but neither SPF, DKIM nor DMARC confirms it. Check "
                    "with the partner before approving it."
                ),
                {"address": parsed.sender},
            ),
        )
    notes.append(auth.describe())
    if list_mail in (Automatic.mailing_list, Automatic.bulk):
        notes.append(Msg(N_("Received through a mailing list or a bulk sender")))
    default = subscriber.language if known and subscriber is not None else Language.fr
    text = html_text_content(parsed.body) if parsed.body_format == "html" else parsed.body
    language = guess_language(f"{parsed.title}\n{text}", default=default)
    image, attachments = _accepted_files(settings, parsed, notes)
    item = submit_news(
        session,
        settings,
        title=parsed.title or Msg(UNTITLED).render(DEFAULT_LANGUAGE),
        body=parsed.body,
        body_format="html" if parsed.body_format == "html" else "text",
        organisation_id=subscriber.organisation_id if known and subscriber else None,
        organisation_name="",
        sender=parsed.sender,
        source=NewsSource.email,
        language=language,
        attachments=attachments,
        image=image,
        notes=notes,
        status=NewsStatus.pending,
        actor=parsed.sender,
    )
    result = record(InboundOutcome.item, None if known else Msg(UNKNOWN_SENDER))
    row = session.get(InboundMessage, result.record_id)
    if row is not None:
        row.news_id = item.id
    result.news_id = item.id
    if known and settings.intake_acknowledge and may_acknowledge(message):
        from newsletter.intake.mail.acknowledge import build_acknowledgement

        ack = build_acknowledgement(
            settings, to=parsed.sender, title=item.title, in_reply_to=parsed.message_id,
            language=subscriber.language.value if subscriber is not None else "",
        )  # fmt: skip
        if ack is not None:
            result.acknowledgement = (parsed.sender, ack)
    return result


def record_failure(
    session: Session, settings: Settings, raw: RawMessage, origin: Origin, reason: Msg
) -> Result:
    """Quarantine a message whose processing failed, so that it is never lost."""
    message = BytesHeaderParser().parsebytes(raw.data[: 256 * 1024])
    digest = hashlib.sha256(raw.data).hexdigest()
    key = dedupe_key(h.message_id(message), digest, raw.data)
    unique = store.by_dedupe_key(session, key) is None
    row = _record(
        session,
        raw,
        origin,
        message=message,
        digest=digest,
        key=key if unique else None,
        outcome=InboundOutcome.quarantine,
        reason=reason,
    )
    return Result(row.id, InboundOutcome.quarantine, reason)
