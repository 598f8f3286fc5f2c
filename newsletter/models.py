"""Enums and small typed records shared by the stages."""

from __future__ import annotations

from enum import StrEnum

#: a file given with a news item or an issue: (file name, content type, data)
FileUpload = tuple[str, str, bytes]


class Membership(StrEnum):
    """Kind of membership of an organisation in the network."""

    full = "effectif"
    associate = "adherent"
    none = "none"


class RsvpChoice(StrEnum):
    """An answer to an AG invitation."""

    yes = "yes"
    no = "no"
    #: the organisation gives its vote to another full member organisation
    proxy = "proxy"


class Language(StrEnum):
    fr = "fr"
    nl = "nl"


class SubscriberStatus(StrEnum):
    pending = "pending"
    active = "active"
    unsubscribed = "unsubscribed"
    bounced = "bounced"
    blocked = "blocked"


#: statuses that a re-import or a list change must never turn back into ``active``
STICKY_STATUSES = frozenset(
    {SubscriberStatus.unsubscribed, SubscriberStatus.bounced, SubscriberStatus.blocked}
)


class NewsStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    published = "published"


class NewsSource(StrEnum):
    form = "form"
    email = "email"
    coordinator = "coordinator"
    public_form = "public_form"


class InboundOutcome(StrEnum):
    """What became of one incoming e-mail."""

    item = "item"
    quarantine = "quarantine"
    bounce = "bounce"
    #: a complaint report (ARF) of a mailbox provider's feedback loop
    complaint = "complaint"
    ignored = "ignored"
    #: written to a mailing list's posting address: a post of that list (``mailinglist``)
    post = "post"


class IssueStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    sending = "sending"
    sent = "sent"
    paused = "paused"
    cancelled = "cancelled"


class DeliveryStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed_temporary = "failed_temporary"
    failed_permanent = "failed_permanent"
    skipped = "skipped"
    bounced = "bounced"


class PostStatus(StrEnum):
    """What became of one message written to a mailing list (``mailinglist``)."""

    #: waiting for a moderator (the reason says why)
    held = "held"
    #: accepted; its relay is queued in the outbox, the sender has not taken it yet
    approved = "approved"
    #: refused by a moderator (their words are kept)
    rejected = "rejected"
    #: the sender is at it: some members' deliveries are still to go
    relaying = "relaying"
    #: the relay is paused (by the coordinator, or because too many deliveries failed)
    paused = "paused"
    #: the relay was cancelled: the deliveries not done yet never go out
    cancelled = "cancelled"
    #: every member's delivery is done
    relayed = "relayed"
    #: never relayed: a loop, an automatic reply or a bounce (the reason says which)
    dropped = "dropped"


class DigestMode(StrEnum):
    """How a member of a mailing list gets its posts."""

    #: every post as it is relayed
    none = "none"
    daily = "daily"
    weekly = "weekly"
