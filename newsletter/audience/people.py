"""People of the directory, one at a time or by selection: the rules of adding,
re-addressing, grouping and finding them.

The search is one SQL query (filters, a count and one page), so that a page of the
console costs the same at 100 or 10,000 people. A search by e-mail also finds a person
by an address they had before (``subscriber_addresses``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from newsletter.audience.directory import spreadsheet_safe
from newsletter.audience.normalize import name_key, split_tags
from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.models import Membership, SubscriberStatus
from newsletter.store.audience import Organisation, PastAddress, Subscriber

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
    organisation, and the ids of a list's members when a list is chosen."""

    text: str = ""
    status: str = ""
    organisation_id: int | None = None
    member_ids: Collection[int] | None = None


def filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    """``query`` (over subscribers outer-joined to organisations) with the filters."""
    text = filters.text.strip()
    if text:
        pattern = f"%{_like(text.casefold())}%"
        matches = [
            Subscriber.email_key.like(pattern, escape="\\"),
            func.lower(Subscriber.name).like(pattern, escape="\\"),
            exists().where(
                PastAddress.subscriber_id == Subscriber.id,
                PastAddress.email_key.like(pattern, escape="\\"),
            ),
        ]
        org_key = name_key(text)
        if org_key:  # punctuation alone has no key: it would match every organisation
            matches.append(Organisation.name_key.like(f"%{_like(org_key)}%", escape="\\"))
        query = query.where(or_(*matches))
    if filters.status:
        query = query.where(Subscriber.status == SubscriberStatus(filters.status))
    if filters.organisation_id is not None:
        query = query.where(Subscriber.organisation_id == filters.organisation_id)
    if filters.member_ids is not None:
        query = query.where(Subscriber.id.in_(list(filters.member_ids)))
    return query


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
