"""The attendance sheet of an AG, printed for the door: one row per organisation with
the people it announced, the proxies it holds and a column to sign; a few blank rows
for those who walk in.

Made from ``templates/attendance_sheet.html`` (restylable like the e-mail templates) and
turned into a PDF by WeasyPrint, loaded only when a sheet is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.editorial import participation as part
from newsletter.models import RsvpChoice
from newsletter.render.templating import environment
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


def sheet_html(settings: Settings, assembly: Assembly, rows: list[SheetRow], lang: str) -> str:
    env = environment(settings.templates_dir.resolve(), lang, settings.timezone)
    return env.get_template("attendance_sheet.html").render(
        assembly=assembly,
        rows=rows,
        blank_rows=BLANK_ROWS,
        organisation_name=settings.organisation_name,
    )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint over HTML that refers to nothing outside itself."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"the attendance sheet loads nothing from outside ({url[:80]})")

    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
