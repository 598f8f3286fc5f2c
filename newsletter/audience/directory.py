"""The member directory in the database: idempotent upsert of an import, CSV export.

An import is applied in batches of rows (one query per batch for the organisations and
one for the people, bulk inserts and updates), inside the caller's one transaction: the
time grows linearly with the file and the memory stays flat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload

from newsletter.audience.columns import ColumnMatch
from newsletter.audience.csv_import import (
    DirectoryReader,
    DirectoryRow,
    Notice,
    Rejection,
    rejected_csv,
)
from newsletter.audience.normalize import name_key
from newsletter.i18n import N_, Msg
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import Organisation, Subscriber

BATCH_ROWS = 1000
ORGANISATIONS_CACHED = 5000
_ORGS = Organisation.metadata.tables["organisations"]
_SUBSCRIBERS = Subscriber.metadata.tables["subscribers"]


@dataclass(frozen=True, slots=True)
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
    notices: list[Notice] = field(default_factory=list)
    organisations_created: int = 0
    merged: int = 0
    #: people of the file by the membership of their organisation
    memberships: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    encoding: str = ""
    delimiter: str = ""
    unit: str = "line"
    sheet: str = ""
    match: ColumnMatch | None = None
    #: False: only the counts are kept, not one outcome per row (large files, text report)
    detail: bool = True
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )

    def add(self, kind: str, outcome: RowOutcome) -> None:
        self.counts[kind] += 1
        if self.detail:
            getattr(self, kind).append(outcome)

    @property
    def columns(self) -> dict[str, str | None]:
        return self.match.as_dict() if self.match else {}

    @property
    def ignored(self) -> list[str]:
        return self.match.ignored if self.match else []

    @property
    def missing(self) -> list[str]:
        return self.match.missing if self.match else []

    def rejected_csv(self, lang: str = "fr") -> bytes:
        """The rejected rows with their reason, as a CSV ready to fix and import again."""
        return rejected_csv(self.match.headers if self.match else [], self.rejected, lang)

    def as_dict(self, lang: str = "fr") -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "unit": self.unit,
            "columns": self.columns,
            "ignored": self.ignored,
            "missing": self.missing,
            "counts": {**self.counts, "rejected": len(self.rejected), "merged": self.merged},
            "organisations_created": self.organisations_created,
            "memberships": self.memberships,
            "merged": self.merged,
            "created": [{"line": o.line, "email": o.email} for o in self.created],
            "updated": [
                {"line": o.line, "email": o.email, "changes": list(o.changes)} for o in self.updated
            ],
            "unchanged": [{"line": o.line, "email": o.email} for o in self.unchanged],
            "rejected": [
                {"line": r.line, "email": r.email, "reason": r.reason.render(lang)}
                for r in self.rejected
            ],
            "warnings": [
                {"line": n.line, "email": n.email, "reason": n.reason.render(lang)}
                for n in self.notices
            ],
        }


@dataclass(slots=True)
class _Org:
    id: int | None
    name: str
    membership: Membership
    sector: str
    website: str
    dirty: bool = False


def _batches(rows: Iterable[DirectoryRow], size: int) -> Iterator[list[DirectoryRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


_SUBSCRIBER_COLUMNS = (
    Subscriber.id, Subscriber.email_key, Subscriber.name, Subscriber.organisation_id,
    Subscriber.language, Subscriber.language_chosen, Subscriber.groups, Subscriber.roles,
    Subscriber.status,
)  # fmt: skip


class _Import:
    """The state of one import: organisations seen so far, and the report."""

    def __init__(
        self, session: Session, reader: DirectoryReader, source: str, now: datetime, detail: bool
    ):
        self.session = session
        self.source = source
        self.now = now
        self.report = ImportReport(
            encoding=reader.table.encoding,
            delimiter=reader.table.delimiter,
            unit=reader.table.unit,
            sheet=reader.table.sheet,
            match=reader.columns,
            detail=detail,
        )
        self.has_org_column = "organisation" in reader.columns.index().values()
        self.organisations: dict[str, _Org] = {}
        self.memberships = {m.value: 0 for m in Membership}
        self.told_spelling: set[str] = set()
        #: people whose first line changed their groups or roles: (before, before, outcome)
        self.regrouped: dict[str, tuple[list[str], list[str], RowOutcome]] = {}

    # --- organisations -------------------------------------------------------------------
    def load_organisations(self, batch: list[DirectoryRow]) -> None:
        keys = {name_key(row.organisation) for row in batch if row.organisation}
        wanted = list(keys - self.organisations.keys())
        for start in range(0, len(wanted), 500):
            query = select(
                Organisation.id, Organisation.name_key, Organisation.name,
                Organisation.membership, Organisation.sector, Organisation.website,
            ).where(Organisation.name_key.in_(wanted[start : start + 500]))  # fmt: skip
            for org_id, key, name, membership, sector, website in self.session.execute(query):
                self.organisations[key] = _Org(org_id, name, membership, sector, website)

    def organisation(self, row: DirectoryRow) -> tuple[_Org | None, list[str]]:
        if not row.organisation or row.merge_of:
            return None, []  # a person met again keeps the organisation of their first line
        key = name_key(row.organisation)
        org = self.organisations.get(key)
        if org is None:
            org = _Org(None, row.organisation, row.membership or Membership.none, row.sector,
                       row.website, dirty=True)  # fmt: skip
            self.organisations[key] = org
            self.report.organisations_created += 1
            return org, ["created"]
        if org.name != row.organisation and key not in self.told_spelling:
            self.told_spelling.add(key)
            self.report.notices.append(Notice(row.line, Msg(
                N_("'{spelling}' is the organisation already known as '{known}': merged"),
                {"spelling": row.organisation, "known": org.name}), row.email))  # fmt: skip
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
            org.dirty = True
        return org, changes

    def write_organisations(self) -> None:
        new = {key: org for key, org in self.organisations.items() if org.id is None}
        if new:
            self.session.execute(insert(_ORGS), [
                {"name": org.name, "name_key": key, "membership": org.membership,
                 "sector": org.sector, "website": org.website, "created_at": self.now,
                 "updated_at": self.now}
                for key, org in new.items()
            ])  # fmt: skip
            keys = list(new)
            for start in range(0, len(keys), 500):
                query = select(Organisation.id, Organisation.name_key).where(
                    Organisation.name_key.in_(keys[start : start + 500])
                )
                for org_id, key in self.session.execute(query):
                    new[key].id = org_id
                    new[key].dirty = False
        changed = [org for org in self.organisations.values() if org.dirty]
        if changed:
            table = _ORGS
            self.session.execute(
                update(table).where(table.c.id == bindparam("org_id")).values(
                    membership=bindparam("m"), sector=bindparam("s"), website=bindparam("w"),
                    updated_at=bindparam("u"),
                ),
                [{"org_id": o.id, "m": o.membership, "s": o.sector, "w": o.website,
                  "u": self.now} for o in changed],
            )  # fmt: skip
            for org in changed:
                org.dirty = False
        if len(self.organisations) > ORGANISATIONS_CACHED:
            self.organisations.clear()  # read again when needed: memory stays flat

    # --- people --------------------------------------------------------------------------
    def apply(self, batch: list[DirectoryRow]) -> None:
        self.load_organisations(batch)
        resolved = [self.organisation(row) for row in batch]
        self.write_organisations()
        keys = list({row.email.casefold() for row in batch if row.email})
        existing: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            query = select(*_SUBSCRIBER_COLUMNS).where(
                Subscriber.email_key.in_(keys[start : start + 500])
            )
            for values in self.session.execute(query).mappings():
                existing[values["email_key"]] = dict(values)
        new: dict[str, dict[str, Any]] = {}
        changed: dict[str, dict[str, Any]] = {}
        for row, (org, org_changes) in zip(batch, resolved, strict=True):
            if not row.email:
                self.outcome(RowOutcome(row.line, "", tuple(org_changes)), org_changes)
                continue
            key = row.email.casefold()
            if row.merge_of:
                target = new.get(key) or existing.get(key)
                if target is not None:
                    self.merge(target, row)
                    if key in existing:
                        changed[key] = target
                    self.regroup(key, target)
                self.report.merged += 1
                continue
            org_id = org.id if org is not None else None
            self.memberships[org.membership.value if org else Membership.none.value] += 1
            current = existing.get(key)
            if current is None:
                new[key] = self.new_subscriber(row, key, org_id)
                self.report.add("created", RowOutcome(row.line, row.email))
                continue
            before = (list(current["groups"]), list(current["roles"]))
            own = self.update(current, row, org_id)
            if own:
                changed[key] = current
            changes = [change for change in org_changes if change != "created"] + own
            outcome = RowOutcome(row.line, row.email, tuple(changes))
            self.outcome(outcome, changes)
            if "groups" in own or "roles" in own:
                self.regrouped[key] = (*before, outcome)
        if new:
            self.session.execute(insert(_SUBSCRIBERS), list(new.values()))
        if changed:
            table = _SUBSCRIBERS
            self.session.execute(
                update(table).where(table.c.id == bindparam("sub_id")).values(
                    name=bindparam("n"), organisation_id=bindparam("o"),
                    language=bindparam("l"), groups=bindparam("g"), roles=bindparam("r"),
                    updated_at=bindparam("u"),
                ),
                [{"sub_id": v["id"], "n": v["name"], "o": v["organisation_id"],
                  "l": v["language"], "g": v["groups"], "r": v["roles"], "u": self.now}
                 for v in changed.values()],
            )  # fmt: skip

    def regroup(self, key: str, target: dict[str, Any]) -> None:
        """Lines of one person united back into the groups and roles they already had:
        their first line did not change them after all."""
        if key not in self.regrouped:
            return
        groups, roles, outcome = self.regrouped[key]
        if sorted(target["groups"]) != sorted(groups) or sorted(target["roles"]) != sorted(roles):
            return
        del self.regrouped[key]
        self.report.counts["updated"] -= 1
        if self.report.detail:
            self.report.updated.remove(outcome)
        changes = [c for c in outcome.changes if c not in ("groups", "roles")]
        self.outcome(RowOutcome(outcome.line, outcome.email, tuple(changes)), changes)

    def outcome(self, outcome: RowOutcome, changes: list[str]) -> None:
        if "created" in changes:
            self.report.add("created", outcome)
        elif changes:
            self.report.add("updated", outcome)
        else:
            self.report.add("unchanged", outcome)

    def new_subscriber(self, row: DirectoryRow, key: str, org_id: int | None) -> dict[str, Any]:
        return {
            "email": row.email, "email_key": key, "name": row.name, "organisation_id": org_id,
            "language": row.language or Language.fr, "language_chosen": False,
            "groups": row.groups or [], "roles": row.roles or [],
            "status": SubscriberStatus.active, "status_reason": "", "bounce_count": 0,
            "consent_source": self.source, "consent_at": self.now,
            "status_changed_at": self.now, "created_at": self.now, "updated_at": self.now,
        }  # fmt: skip

    def update(self, current: dict[str, Any], row: DirectoryRow, org_id: int | None) -> list[str]:
        changes: list[str] = []
        if row.name and current["name"] != row.name:
            current["name"] = row.name
            changes.append("name")
        if self.has_org_column and current["organisation_id"] != org_id:
            current["organisation_id"] = org_id
            changes.append("organisation")
        if row.language is not None and current["language"] != row.language:
            if current["language_chosen"]:
                self.kept(row, N_("{email}: the file says {file}, the person chose {chosen} — "
                                  "kept the person's own choice"),
                          file=row.language.value, chosen=current["language"].value)  # fmt: skip
            else:
                current["language"] = row.language
                changes.append("language")
        if row.groups is not None and sorted(current["groups"]) != row.groups:
            current["groups"] = row.groups
            changes.append("groups")
        if row.roles is not None and sorted(current["roles"]) != row.roles:
            current["roles"] = row.roles
            changes.append("roles")
        if current["status"] is SubscriberStatus.unsubscribed:
            self.kept(row, N_("{email} unsubscribed: not resubscribed — kept the person's own "
                              "choice"))  # fmt: skip
        return changes

    def kept(self, row: DirectoryRow, msgid: str, **params: object) -> None:
        self.report.notices.append(
            Notice(row.line, Msg(msgid, {"email": row.email, **params}), row.email)
        )

    @staticmethod
    def merge(target: dict[str, Any], row: DirectoryRow) -> None:
        if row.groups:
            target["groups"] = sorted(set(target["groups"]) | set(row.groups))
        if row.roles:
            target["roles"] = sorted(set(target["roles"]) | set(row.roles))
        if row.name and not target["name"]:
            target["name"] = row.name


def apply_directory(
    session: Session, reader: DirectoryReader, *, source: str, now: datetime,
    batch_rows: int = BATCH_ROWS, detail: bool = True,
) -> ImportReport:  # fmt: skip
    """Upsert the rows of ``reader`` by e-mail, batch by batch, in the session's
    transaction. Statuses are never changed: a re-import does not resubscribe anyone who
    unsubscribed, bounced or was blocked, and a language the person chose stays theirs."""
    state = _Import(session, reader, source, now, detail)
    for batch in _batches(reader.rows(), batch_rows):
        state.apply(batch)
    report = state.report
    report.rejected = sorted(reader.rejected, key=lambda r: r.line)
    report.notices = sorted([*reader.notices, *report.notices], key=lambda n: n.line)
    report.memberships = state.memberships
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
