"""The attendance sheet of an AG, printed for the door: one row per organisation with
the people it announced, the proxies it holds and a column to sign; a few blank rows
for those who walk in.

The rows are read here; ``newsletter.render.sheet`` makes the page from
``templates/attendance_sheet.html`` (restylable like the e-mail templates) and the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.editorial import participation as part
from newsletter.models import RsvpChoice
from newsletter.store.audience import Subscriber
from newsletter.store.editorial import Assembly
from newsletter.store.web import RsvpAnswer

BLANK_ROWS = 8


@dataclass(frozen=True)
class SheetRow:
    organisation: str
    votes: bool
    membership: str
    #: "Name (3 people)" for each answer "yes" of its people
    expected: list[str] = field(default_factory=list)
    #: organisations whose proxy it holds
    proxies: list[str] = field(default_factory=list)
    #: the organisation it gave its own proxy to
    proxy_to: str = ""
    answered: bool = False


def sheet_rows(session: Session, assembly: Assembly) -> list[SheetRow]:
    standings = part.standings(session, assembly)
    expected: dict[int, list[tuple[str, int]]] = {}
    query = (
        select(RsvpAnswer, Subscriber)
        .join(Subscriber, Subscriber.id == RsvpAnswer.subscriber_id)
        .where(RsvpAnswer.assembly_id == assembly.id, RsvpAnswer.choice == RsvpChoice.yes.value)
        .order_by(Subscriber.name)
    )
    for answer, subscriber in session.execute(query):
        if subscriber.organisation_id is not None:
            expected.setdefault(subscriber.organisation_id, []).append(
                (subscriber.name or subscriber.email, answer.people)
            )
    proxies: dict[int, list[str]] = {}
    for s in standings:
        if s.choice == RsvpChoice.proxy.value and s.proxy_to_id is not None:
            proxies.setdefault(s.proxy_to_id, []).append(s.name)
    return [
        SheetRow(
            organisation=s.name,
            votes=s.votes,
            membership=s.membership,
            expected=[
                f"{name} (+{count - 1})" if count > 1 else name
                for name, count in expected.get(s.organisation_id, [])
            ],
            proxies=proxies.get(s.organisation_id, []),
            proxy_to=s.proxy_to if s.choice == RsvpChoice.proxy.value else "",
            answered=s.choice is not None,
        )
        for s in standings
    ]
