"""The member directory in the database: idempotent upsert of an import, CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from newsletter.audience.csv_import import DirectoryRow, ParsedDirectory, Rejection
from newsletter.audience.normalize import name_key
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import Organisation, Subscriber


@dataclass(frozen=True)
class RowOutcome:
    line: int
    email: str
    changes: tuple[str, ...] = ()


@dataclass
class ImportReport:
    created: list[RowOutcome] = field(default_factory=list)
    updated: list[RowOutcome] = field(default_factory=list)
    unchanged: list[RowOutcome] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    organisations_created: int = 0
    dry_run: bool = False
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": self.columns,
            "organisations_created": self.organisations_created,
            "created": [{"line": o.line, "email": o.email} for o in self.created],
            "updated": [
                {"line": o.line, "email": o.email, "changes": list(o.changes)} for o in self.updated
            ],
            "unchanged": [{"line": o.line, "email": o.email} for o in self.unchanged],
            "rejected": [
                {"line": r.line, "email": r.email, "reason": r.reason.render()}
                for r in self.rejected
            ],
        }


class _Directory:
    """The organisations and subscribers of the database, indexed for an import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.organisations = {
            org.name_key: org for org in session.scalars(select(Organisation)).all()
        }
        self.subscribers = {sub.email_key: sub for sub in session.scalars(select(Subscriber)).all()}
        self.changed_organisations: set[str] = set()
        self.created_organisations = 0

    def organisation(self, row: DirectoryRow) -> tuple[Organisation | None, list[str]]:
        """The row's organisation, created or updated; the list says what changed."""
        if not row.organisation:
            return None, []
        key = name_key(row.organisation)
        org = self.organisations.get(key)
        if org is None:
            org = Organisation(
                name=row.organisation,
                name_key=key,
                membership=row.membership or Membership.none,
                sector=row.sector,
                website=row.website,
            )
            self.session.add(org)
            self.organisations[key] = org
            self.created_organisations += 1
            return org, ["created"]
        changes: list[str] = []
        if row.membership is not None and org.membership != row.membership:
            org.membership = row.membership
            changes.append("membership")
        if row.sector and org.sector != row.sector:
            org.sector = row.sector
            changes.append("sector")
        if row.website and org.website != row.website:
            org.website = row.website
            changes.append("website")
        if changes:
            self.changed_organisations.add(key)
        return org, changes


def apply_directory(
    session: Session, parsed: ParsedDirectory, *, source: str, now: datetime
) -> ImportReport:
    """Upsert the parsed rows by e-mail. Statuses are never changed: a re-import does not
    resubscribe anyone who unsubscribed, bounced or was blocked."""
    report = ImportReport(
        rejected=list(parsed.rejected),
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        columns=dict(parsed.columns),
    )
    directory = _Directory(session)
    has_org_column = "organisation" in parsed.columns
    # pass 1: organisations, flushed so that subscribers can refer to them by id
    resolved = [directory.organisation(row) for row in parsed.rows]
    session.flush()
    new_subscribers: list[dict[str, object]] = []
    for row, (org, org_changes) in zip(parsed.rows, resolved, strict=True):
        if not row.email:
            outcome = RowOutcome(row.line, "", tuple(org_changes))
            if "created" in org_changes:
                report.created.append(outcome)
            elif org_changes:
                report.updated.append(outcome)
            else:
                report.unchanged.append(outcome)
            continue
        org_id = org.id if org is not None else None
        key = row.email.casefold()
        subscriber = directory.subscribers.get(key)
        if subscriber is None:
            new_subscribers.append(
                {
                    "email": row.email,
                    "email_key": key,
                    "name": row.name,
                    "organisation_id": org_id,
                    "language": row.language or Language.fr,
                    "groups": row.groups or [],
                    "roles": row.roles or [],
                    "status": SubscriberStatus.active,
                    "status_reason": "",
                    "bounce_count": 0,
                    "consent_source": source,
                    "consent_at": now,
                    "status_changed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            report.created.append(RowOutcome(row.line, row.email))
            continue
        changes = [change for change in org_changes if change != "created"]
        if row.name and subscriber.name != row.name:
            subscriber.name = row.name
            changes.append("name")
        if has_org_column and subscriber.organisation_id != org_id:
            subscriber.organisation_id = org_id
            changes.append("organisation")
        if row.language is not None and subscriber.language != row.language:
            subscriber.language = row.language
            changes.append("language")
        if row.groups is not None and sorted(subscriber.groups) != row.groups:
            subscriber.groups = row.groups
            changes.append("groups")
        if row.roles is not None and sorted(subscriber.roles) != row.roles:
            subscriber.roles = row.roles
            changes.append("roles")
        if changes:
            report.updated.append(RowOutcome(row.line, row.email, tuple(changes)))
        else:
            report.unchanged.append(RowOutcome(row.line, row.email))
    if new_subscribers:
        session.execute(insert(Subscriber), new_subscribers)
    report.organisations_created = directory.created_organisations
    session.flush()
    return report


EXPORT_COLUMNS = (
    "organisation", "membership", "sector", "website", "name", "email", "language",
    "groups", "roles", "status", "consent_source",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Neutralise a cell a spreadsheet would read as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_directory(session: Session) -> bytes:
    """The directory as CSV (UTF-8 with BOM, ``;``) that Excel and LibreOffice open safely;
    it imports back unchanged."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    organisations = session.scalars(
        select(Organisation).options(selectinload(Organisation.subscribers))
    ).all()
    for org in sorted(organisations, key=lambda o: o.name_key):
        people: list[Subscriber | None] = [*sorted(org.subscribers, key=lambda s: s.email_key)] or [
            None
        ]
        for person in people:
            writer.writerow(_export_row(org, person))
    loners = session.scalars(
        select(Subscriber)
        .where(Subscriber.organisation_id.is_(None))
        .order_by(Subscriber.email_key)
    ).all()
    for person in loners:
        writer.writerow(_export_row(None, person))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _export_row(org: Organisation | None, person: Subscriber | None) -> list[str]:
    values = [
        org.name if org else "",
        org.membership.value if org and org.membership is not Membership.none else "",
        org.sector if org else "",
        org.website if org else "",
        person.name if person else "",
        person.email if person else "",
        person.language.value if person else "",
        " | ".join(person.groups) if person else "",
        " | ".join(person.roles) if person else "",
        person.status.value if person else "",
        person.consent_source if person else "",
    ]
    return [spreadsheet_safe(value) for value in values]
