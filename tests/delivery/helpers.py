"""Test data for the delivery tests: subscribers, an issue, a small message template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.delivery.messages import IssueMessages
from newsletter.delivery.template import TemplateMessage
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import Subscriber
from newsletter.store.editorial import Issue

TEMPLATE = (
    b"From: Coordination sociale <news@example.org>\r\n"
    b"To: {{to}}\r\n"
    b"Subject: Lettre d'information\r\n"
    b"Message-ID: {{message_id}}\r\n"
    b"List-Unsubscribe: <{{unsubscribe_url}}>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Bonjour {{name}},\r\n"
    b"Se d\xc3\xa9sinscrire : {{unsubscribe_url}}\r\n"
)


@dataclass(frozen=True)
class Rcpt:
    subscriber_id: int
    email: str
    name: str
    language: Language = Language.fr
    membership: Membership = Membership.none


def add_subscribers(ctx: Context, count: int, prefix: str = "person") -> list[Rcpt]:
    rows: list[dict[str, Any]] = [
        {
            "email": f"{prefix}{i}@example.org",
            "email_key": f"{prefix}{i}@example.org",
            "name": f"Membre {i}",
            "language": Language.fr if i % 2 else Language.nl,
            "groups": [],
            "roles": [],
            "status": SubscriberStatus.active,
            "bounce_count": 0,
            "consent_source": "test",
            "status_reason": "",
        }
        for i in range(count)
    ]
    with ctx.db.session() as session:
        session.execute(insert(Subscriber), rows)
    with ctx.db.session() as session:
        found = session.query(Subscriber).filter(Subscriber.email.like(f"{prefix}%")).all()
        return [Rcpt(s.id, s.email, s.name, s.language) for s in sorted(found, key=lambda s: s.id)]


def add_issue(ctx: Context, title: str = "Numéro de test") -> int:
    with ctx.db.session() as session:
        issue = Issue(number=1, title=title)
        session.add(issue)
        session.flush()
        return issue.id


def template_factory(settings: Settings, issue_id: int) -> IssueMessages:
    message = TemplateMessage(TEMPLATE)
    return IssueMessages(settings, issue_id, lambda language, membership: message)
