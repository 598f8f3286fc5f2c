"""People of the directory, one at a time or by selection: the rules of adding,
re-addressing, grouping and finding them.

The search is one SQL query (filters, a count and one page), so that a page of the
console costs the same at 100 or 10,000 people. A search by e-mail also finds a person
by an address they had before (``subscriber_addresses``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from newsletter.audience.directory import spreadsheet_safe
from newsletter.audience.normalize import name_key, split_tags
from newsletter.audience.segments import Segment
from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.models import Membership, SubscriberStatus
from newsletter.store.audience import ListOptOut, Organisation, PastAddress, Subscriber

#: what a selection can be given or lose
TAG_ACTIONS = ("add_group", "remove_group", "add_role", "remove_role")
SELECTION_COLUMNS = (
    "email", "name", "organisation", "membership", "language", "groups", "roles", "status",
    "consent_source", "consent_at",
)  # fmt: skip


def valid_address(email: str) -> str:
    """The address normalised, or a ValidationError that names it."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(
            N_("'{email}' is not a valid e-mail address."), email=email[:320]
        ) from error


@dataclass(frozen=True)
class Filters:
    """What the coordinator searches: text (name, e-mail, organisation), a status, an
    organisation (a list's members are kept by the caller: ``member_ids``)."""

    text: str = ""
    status: str = ""
    organisation_id: int | None = None


def filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    """``query`` (over subscribers) with the filters; joins the organisations when the
    text may be an organisation's name."""
    text = filters.text.strip()
    if text:
        pattern = f"%{_like(text.casefold())}%"
        matches = [
            Subscriber.email_key.like(pattern, escape="\\"),
            func.lower(Subscriber.name).like(pattern, escape="\\"),
            Subscriber.id.in_(  # evaluated once, not once per person
                select(PastAddress.subscriber_id).where(
                    PastAddress.email_key.like(pattern, escape="\\")
                )
            ),
        ]
        org_key = name_key(text)
        if org_key:  # punctuation alone has no key: it would match every organisation
            matches.append(Organisation.name_key.like(f"%{_like(org_key)}%", escape="\\"))
            query = query.outerjoin(Organisation, Organisation.id == Subscriber.organisation_id)
        query = query.where(or_(*matches))
    if filters.status:
        query = query.where(Subscriber.status == SubscriberStatus(filters.status))
    if filters.organisation_id is not None:
        query = query.where(Subscriber.organisation_id == filters.organisation_id)
    return query


def member_ids(session: Session, segment: Segment) -> set[int]:
    """The active recipients of one list, read as columns (no object per person): the
    same rule as ``segments.iter_recipients``, cheap enough for a search page."""
    left = set(
        session.scalars(select(ListOptOut.subscriber_id).where(ListOptOut.list_id == segment.id))
    )
    organisations = {
        org_id: (frozenset({membership.value}), frozenset({key}))
        for org_id, membership, key in session.connection().execute(
            select(Organisation.id, Organisation.membership, Organisation.name_key)
        )
    }
    nobody = (frozenset({Membership.none.value}), frozenset[str]())
    # only the columns the list's rule reads (decoding everyone's groups costs most)
    used = set(segment.match) | set(segment.exclude)
    columns = {"language": Subscriber.language, "groups": Subscriber.groups,
               "roles": Subscriber.roles}  # fmt: skip
    wanted = [key for key in columns if key in used]
    rows = session.connection().execute(  # Core rows: no ORM work per person
        select(Subscriber.id, Subscriber.email_key, Subscriber.organisation_id,
               *(columns[key] for key in wanted))
        .where(Subscriber.status == SubscriberStatus.active)
    )  # fmt: skip
    found: set[int] = set()
    for sid, email_key, org_id, *values in rows:
        if sid in left:
            continue
        membership, org_key = organisations.get(org_id, nobody) if org_id else nobody
        facts = {"membership": membership, "organisation": org_key}
        for key, value in zip(wanted, values, strict=True):
            items = [value.value] if key == "language" else value or ()
            facts[key] = frozenset(items)
        if segment.contains(facts, email_key):
            found.add(sid)
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def retag(subscriber: Subscriber, action: str, tag: str) -> bool:
    """Give or take away one working group or role; False when nothing changed."""
    if action not in TAG_ACTIONS:
        raise ValidationError(N_("Unknown action."))
    tags = split_tags(tag)
    if len(tags) != 1:
        raise ValidationError(N_("Give one group or role name."))
    field = "groups" if action.endswith("group") else "roles"
    current = list(getattr(subscriber, field) or [])
    if action.startswith("add"):
        updated = sorted({*current, tags[0]})
    else:
        updated = [t for t in current if t != tags[0]]
    if updated == sorted(current):
        return False
    setattr(subscriber, field, updated)
    return True


def change_address(
    session: Session, subscriber: Subscriber, new: str, *, by: str, at: datetime
) -> bool:
    """Give the person a new address, keeping the old one in their history.

    Refused when another person has the new address; False when it is the same."""
    address = valid_address(new)
    if address == subscriber.email:
        return False
    key = address.casefold()
    if key != subscriber.email_key:
        other = session.scalar(select(Subscriber.id).where(Subscriber.email_key == key))
        if other is not None:
            raise ValidationError(
                N_("{email} is already the address of someone else in the directory."),
                email=address,
            )
    session.add(
        PastAddress(
            subscriber_id=subscriber.id, email=subscriber.email, email_key=subscriber.email_key,
            changed_by=by[:320], replaced_at=at,
        )
    )  # fmt: skip
    subscriber.email = address
    subscriber.email_key = key
    return True


def organisation_named(session: Session, name: str, *, but: int | None = None) -> int | None:
    """The id of the organisation with this name (case, accents, dashes aside)."""
    query = select(Organisation.id).where(Organisation.name_key == name_key(name))
    if but is not None:
        query = query.where(Organisation.id != but)
    return session.scalar(query)


def selection_rows(people: Iterable[Subscriber]) -> Iterable[list[str]]:
    """Rows of the CSV export of a selection, each cell formula-safe."""
    for person in people:
        org = person.organisation
        values = [
            person.email, person.name, org.name if org else "",
            org.membership.value if org and org.membership is not Membership.none else "",
            person.language.value, " | ".join(person.groups), " | ".join(person.roles),
            person.status.value, person.consent_source,
            person.consent_at.isoformat() if person.consent_at else "",
        ]  # fmt: skip
        yield [spreadsheet_safe(value) for value in values]
