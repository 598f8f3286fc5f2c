"""Posts of the GT Logement list written straight into the tables (raw bytes kept
whole, as the intake keeps them), for the archive and digest tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from newsletter.models import Language, PostStatus, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.mailinglist import ListPost

LIST = "logement"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class People:
    alice: int  # member, French
    bob: int  # member, Dutch
    zoe: int  # not in the working group
    gone: int  # member who unsubscribed


def add_people(service: Service) -> People:
    ids = {}
    with service.ctx.db.session() as session:
        for key, email, name, language, groups, status in [
            ("alice", "alice@asbl-a.example", "Alice Martin", Language.fr, ["logement"],
             SubscriberStatus.active),
            ("bob", "bob@vzw-b.example", "Bob Peeters", Language.nl, ["logement"],
             SubscriberStatus.active),
            ("zoe", "zoe@asbl-z.example", "Zoé Autre", Language.fr, ["sante-mentale"],
             SubscriberStatus.active),
            ("gone", "gone@asbl-g.example", "Gaston Parti", Language.fr, ["logement"],
             SubscriberStatus.unsubscribed),
        ]:  # fmt: skip
            row = Subscriber(email=email, email_key=email, name=name, language=language,
                             groups=groups, roles=[], status=status, bounce_count=0,
                             consent_source="test", status_reason="")  # fmt: skip
            session.add(row)
            session.flush()
            ids[key] = row.id
    return People(**ids)


def raw_post(
    subject: str,
    body: str,
    *,
    sender: str = "Alice Martin <alice@asbl-a.example>",
    message_id: str = "",
    in_reply_to: str = "",
    content_type: str = "text/plain; charset=utf-8",
    extra: str = "",
) -> bytes:
    head = f"From: {sender}\r\nTo: gt-logement@reseau.example\r\nSubject: {subject}\r\n"
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
    head += f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n{extra}"
    return (head + "\r\n" + body).encode("utf-8")


def add_post(
    service: Service,
    raw: bytes,
    *,
    list_id: str = LIST,
    status: PostStatus = PostStatus.relayed,
    at: datetime = T0,
    **values: Any,
) -> int:
    from email import message_from_bytes, policy

    message = message_from_bytes(raw, policy=policy.default)
    sender = message["From"].addresses[0]
    with service.ctx.db.session() as session:
        row = ListPost(
            list_id=list_id, status=status, sender=sender.addr_spec,
            sender_key=sender.addr_spec.casefold(), sender_name=sender.display_name,
            subject=str(message.get("Subject", "")), message_id=message.get("Message-ID", ""),
            in_reply_to=message.get("In-Reply-To", ""),
            references=message.get("References", ""), size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(), raw=raw, received_at=at,
            relayed_at=at + timedelta(minutes=1) if status is PostStatus.relayed else None,
            language=Language.fr, **values,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def add_thread(service: Service) -> dict[str, int]:
    """A conversation of three posts, a post of its own, an HTML-only post with hostile
    markup, one with an attachment, a held one and one of another list."""
    posts = {}
    body = "Bonjour à tous,\nla réunion du GT aura lieu au CPAS.\n<script>alert(1)</script>"
    posts["root"] = add_post(service, raw_post(
        "Réunion du 3 mars", body, message_id="<root@asbl-a.example>"), at=T0)  # fmt: skip
    posts["reply"] = add_post(service, raw_post(
        "Re: [GT Logement] Réunion du 3 mars", "Wij komen graag.\n\n> la réunion du GT aura lieu",
        sender="Bob Peeters <bob@vzw-b.example>", message_id="<reply@vzw-b.example>",
        in_reply_to="<root@asbl-a.example>"), at=T0 + timedelta(hours=1))  # fmt: skip
    posts["reply2"] = add_post(service, raw_post(
        "Re: Réunion du 3 mars", "Parfait, merci Bob.", message_id="<reply2@asbl-a.example>",
        in_reply_to="<reply@vzw-b.example>"), at=T0 + timedelta(hours=2))  # fmt: skip
    posts["other"] = add_post(service, raw_post(
        "Appel à projets logement", "Un appel de la Région : dossier avant le 15.",
        message_id="<other@asbl-a.example>"), at=T0 + timedelta(hours=3))  # fmt: skip
    posts["html"] = add_post(service, raw_post(
        "Invitation", '<p onclick="x()">Venez <b>nombreux</b> <img src="https://track.example/p.gif">'
        '<script>steal()</script><a href="javascript:evil()">ici</a> '
        '<a href="https://cpas.example/agenda">agenda</a></p>',
        content_type="text/html; charset=utf-8",
        sender="=?utf-8?q?Zo=C3=A9_=3Cb=3Ebold=3C/b=3E?= <zoe@asbl-z.example>",
        message_id="<html@asbl-z.example>"), at=T0 + timedelta(hours=4))  # fmt: skip
    posts["attached"] = add_post(service, (
        b"From: Alice Martin <alice@asbl-a.example>\r\nSubject: Le PV\r\n"
        b"Message-ID: <pv@asbl-a.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ) + "Voici le procès-verbal.\r\n".encode("latin-1") + (
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=\"pv\\r\\n<b>.pdf\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ), at=T0 + timedelta(hours=5))  # fmt: skip
    posts["held"] = add_post(service, raw_post("Secret en attente", "pas encore relayé"),
                             status=PostStatus.held, at=T0 + timedelta(hours=6))  # fmt: skip
    posts["elsewhere"] = add_post(service, raw_post("Autre liste", "rien à voir"),
                                  list_id="sante-mentale", at=T0)  # fmt: skip
    return posts
