"""The mailing-list tables keep a post whole, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsletter.context import Context
from newsletter.i18n import Msg
from newsletter.models import DigestMode, PostStatus
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Send
from newsletter.store.mailinglist import DigestPreference, ListPost, TrustedSender


def test_a_post_keeps_its_raw_bytes_reason_and_threading(ctx: Context) -> None:
    raw = b"From: a@example.org\r\n\r\n" + bytes(range(256)) * 4000
    with ctx.db.session() as session:
        post = ListPost(
            list_id="logement",
            status=PostStatus.held,
            reason="the sender is not a member of the list",
            reason_params={"sender": "a@example.org"},
            sender="A@example.org",
            sender_key="a@example.org",
            subject="Réunion",
            message_id="<1@example.org>",
            in_reply_to="<0@example.org>",
            references="<x@example.org> <0@example.org>",
            raw=raw,
            size=len(raw),
        )
        session.add(post)
        session.flush()
        session.add(Send(post_id=post.id, lists=["logement"]))
        post_id = post.id
    with ctx.db.session() as session:
        post = session.get_one(ListPost, post_id)
        assert post.raw == raw
        why = Msg("the sender is not a member of the list", {"sender": "a@example.org"})
        assert post.why == why
        assert post.references.split() == ["<x@example.org>", "<0@example.org>"]
        send = session.scalars(select(Send).where(Send.post_id == post_id)).one()
        assert send.issue_id is None


def test_trusted_senders_and_digest_preferences_are_one_per_list(ctx: Context) -> None:
    with ctx.db.session() as session:
        subscriber = Subscriber(email="m@example.org", email_key="m@example.org")
        session.add(subscriber)
        session.flush()
        session.add(DigestPreference(list_id="logement", subscriber_id=subscriber.id,
                                     mode=DigestMode.weekly))  # fmt: skip
        session.add(TrustedSender(list_id="logement", email_key="m@example.org"))
        session.add(TrustedSender(list_id="sante-mentale", email_key="m@example.org"))
    with pytest.raises(IntegrityError), ctx.db.session() as session:
        session.add(TrustedSender(list_id="logement", email_key="m@example.org"))
    with ctx.db.session() as session:
        preference = session.scalars(select(DigestPreference)).one()
        assert preference.mode is DigestMode.weekly
        assert len(session.scalars(select(TrustedSender)).all()) == 2
