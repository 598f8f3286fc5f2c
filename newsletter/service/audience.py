"""Service of the audience: directory import/export, subscribers, consent, lists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from newsletter.audience import gdpr, staging, subscriptions

# what the doors show of a directory's columns, and how they read a column matched by hand
from newsletter.audience.columns import FIELD_LABELS as FIELD_LABELS
from newsletter.audience.columns import FIELDS as FIELDS
from newsletter.audience.columns import ColumnMatch as ColumnMatch
from newsletter.audience.columns import check_field
from newsletter.audience.columns import parse_overrides as parse_overrides
from newsletter.audience.csv_import import DirectoryRow, directory_headers, read_directory
from newsletter.audience.directory import ImportReport, apply_directory, export_directory
from newsletter.audience.normalize import name_key, split_tags
from newsletter.audience.segments import (
    Recipient,
    Segment,
    SegmentError,
    count_lists,
    facts_of,
    iter_recipients,
    load_segments,
)
from newsletter.context import Context
from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import ListOptOut, Organisation, Subscriber
from newsletter.store.base import utcnow


@dataclass(frozen=True)
class SubscriberView:
    id: int
    email: str
    name: str
    organisation: str
    organisation_id: int | None
    membership: str
    language: str
    groups: list[str]
    roles: list[str]
    status: str
    consent_source: str
    consent_at: datetime | None
    bounce_count: int
    lists_left: list[str]

    def as_json(self) -> dict[str, Any]:
        """The CLI contract's fields."""
        keys = ("email", "name", "organisation", "membership", "language", "groups", "roles")
        return {**{key: asdict(self)[key] for key in keys}, "status": self.status}


@dataclass(frozen=True)
class ImportPreview:
    """The console's matching step: what an import of the staged file would do."""

    token: str
    filename: str
    columns: ColumnMatch
    rows: list[DirectoryRow]
    #: None when the matching was refused (``typed_matching``): nothing to count
    report: ImportReport | None


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    membership: str
    sector: str
    website: str
    subscribers: int
    #: the last day of its membership when it left the network (``audience.departures``)
    left_on: date | None = None


@dataclass(frozen=True)
class ListInfo:
    id: str
    title: dict[str, str]
    description: str
    count: int


def _view(subscriber: Subscriber, optouts: Sequence[str] = ()) -> SubscriberView:
    org = subscriber.organisation
    return SubscriberView(
        id=subscriber.id,
        email=subscriber.email,
        name=subscriber.name,
        organisation=org.name if org else "",
        organisation_id=org.id if org else None,
        membership=org.membership.value if org else Membership.none.value,
        language=subscriber.language.value,
        groups=list(subscriber.groups),
        roles=list(subscriber.roles),
        status=subscriber.status.value,
        consent_source=subscriber.consent_source,
        consent_at=subscriber.consent_at,
        bounce_count=subscriber.bounce_count,
        lists_left=sorted(optouts),
    )


class AudienceService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._segments: (
            tuple[tuple[Path, object], tuple[dict[str, Segment], list[SegmentError]]] | None
        ) = None

    # --- directory -----------------------------------------------------------------------
    def import_members(
        self,
        source: bytes | Path,
        filename: str = "import.csv",
        *,
        dry_run: bool = False,
        overrides: Mapping[str, str | None] | None = None,
        sheet: str | None = None,
        detail: bool = True,
    ) -> ImportReport:
        """Upsert the directory file (CSV, .xlsx, .ods) by e-mail, in one transaction:
        a failure half-way leaves the directory as it was; ``dry_run`` writes nothing.
        ``overrides`` (``name_key`` of a header → field or None) change the matching;
        ``detail=False`` keeps only the counts, not one outcome per row."""
        reader = read_directory(source, filename, overrides=overrides, sheet=sheet)
        source_label = f"import:{Path(filename).name}"[:200]
        with self.ctx.db.sessions() as session:
            try:
                report = apply_directory(
                    session, reader, source=source_label, now=utcnow(), detail=detail
                )
            except BaseException:
                session.rollback()
                raise
            report.dry_run = dry_run
            if dry_run:
                session.rollback()
            else:
                session.commit()
        return report

    def match_columns(
        self,
        source: bytes | Path,
        filename: str = "import.csv",
        *,
        overrides: Mapping[str, str | None] | None = None,
        sheet: str | None = None,
    ) -> ColumnMatch:
        """How the columns of a file would be read (nothing imported)."""
        return read_directory(source, filename, overrides=overrides, sheet=sheet).columns

    # --- the console's two-step import ---------------------------------------------------
    def stage_import(self, data: bytes, filename: str) -> str:
        """Keep an uploaded file for the matching step (raises when it cannot be read)."""
        read_directory(data, filename)
        return staging.stage(self.ctx.settings.data_dir, data, filename)

    def preview_import(
        self, token: str, fields: Sequence[str | None] | None = None, rows: int = 5
    ) -> ImportPreview:
        """The matching of a staged file (``fields``, or the one remembered for the same
        headers, or the automatic one), its first rows as they will be imported and the
        counts a real import would give (a dry run)."""
        path, filename = staging.staged(self.ctx.settings.data_dir, token)
        overrides = self._overrides(path, filename, fields)
        reader = read_directory(path, filename, overrides=overrides)
        first = list(islice(reader.rows(), rows))
        report = self.import_members(path, filename, dry_run=True, overrides=overrides)
        return ImportPreview(token, filename, reader.columns, first, report)

    def typed_matching(self, token: str, fields: Sequence[str | None]) -> ImportPreview:
        """The matching step of a staged file as the coordinator set it, when that matching
        was refused (no e-mail column…): its columns with the fields chosen, no rows and no
        counts, for the page that shows the refusal."""
        path, filename = staging.staged(self.ctx.settings.data_dir, token)
        headers = directory_headers(path, filename)
        chosen = [check_field(value or "") for value in fields][: len(headers)]
        chosen += [None] * (len(headers) - len(chosen))
        return ImportPreview(token, filename, ColumnMatch(headers, chosen), [], None)

    def confirm_import(self, token: str, fields: Sequence[str | None]) -> ImportReport:
        """Import the staged file with the matching shown; remember that matching."""
        data_dir = self.ctx.settings.data_dir
        path, filename = staging.staged(data_dir, token)
        overrides = self._overrides(path, filename, fields)
        report = self.import_members(path, filename, overrides=overrides)
        if report.match is not None:
            staging.remember(data_dir, report.match.signature(), list(report.match.fields))
        staging.save_rejected(data_dir, token, report.rejected_csv())
        return report

    def rejected_rows(self, token: str) -> bytes:
        return staging.rejected(self.ctx.settings.data_dir, token)

    def _overrides(
        self, path: Path, filename: str, fields: Sequence[str | None] | None
    ) -> dict[str, str | None]:
        if fields is None:
            signature = read_directory(path, filename).columns.signature()
            fields = staging.remembered(self.ctx.settings.data_dir, signature)
            if fields is None:
                return {}
        return {f"#{index + 1}": check_field(value or "") for index, value in enumerate(fields)}

    def export_members(self) -> bytes:
        with self.ctx.db.session() as session:
            return export_directory(session)

    def organisations(self) -> list[OrganisationView]:
        with self.ctx.db.session() as session:
            counts = dict(
                session.execute(
                    select(Subscriber.organisation_id, func.count()).group_by(
                        Subscriber.organisation_id
                    )
                ).all()
            )
            return [
                OrganisationView(
                    o.id,
                    o.name,
                    o.membership.value,
                    o.sector,
                    o.website,
                    counts.get(o.id, 0),
                    o.left_on,
                )
                for o in session.scalars(select(Organisation).order_by(Organisation.name_key))
            ]

    def find_organisation(self, name: str) -> OrganisationView | None:
        with self.ctx.db.session() as session:
            org = session.scalar(
                select(Organisation).where(Organisation.name_key == name_key(name))
            )
            if org is None:
                return None
            count = session.scalar(select(func.count()).where(Subscriber.organisation_id == org.id))
            return OrganisationView(
                org.id, org.name, org.membership.value, org.sector, org.website, count or 0,
                org.left_on,
            )  # fmt: skip

    # --- subscribers ---------------------------------------------------------------------
    def list_subscribers(
        self, list_id: str | None = None, search: str | None = None
    ) -> list[SubscriberView]:
        """Everyone (any status), or the active recipients of one list; ``search``
        filters on e-mail, name and organisation."""
        with self.ctx.db.session() as session:
            query = (
                select(Subscriber)
                .outerjoin(Organisation)
                .options(selectinload(Subscriber.organisation))
                .order_by(Subscriber.email_key)
            )
            if search:
                pattern = f"%{search.strip().casefold()}%"
                query = query.where(
                    or_(
                        Subscriber.email_key.like(pattern),
                        func.lower(Subscriber.name).like(pattern),
                        Organisation.name_key.like(f"%{name_key(search)}%"),
                    )
                )
            if list_id is not None:
                wanted = {r.subscriber_id for r in self._recipients(session, [list_id])}
                query = query.where(Subscriber.id.in_(wanted))
            subscribers = session.scalars(query).all()
            optouts = self._optouts(session)
            return [_view(s, optouts.get(s.id, ())) for s in subscribers]

    def get_subscriber(self, subscriber_id: int) -> SubscriberView:
        with self.ctx.db.session() as session:
            subscriber = session.get(Subscriber, subscriber_id)
            if subscriber is None:
                raise NotFoundError(N_("No subscriber number {id}."), id=subscriber_id)
            return _view(subscriber, self._optouts(session, subscriber_id).get(subscriber_id, ()))

    def find_subscriber(self, email: str) -> SubscriberView | None:
        with self.ctx.db.session() as session:
            subscriber = subscriptions.find_by_email(session, email)
            if subscriber is None:
                return None
            return _view(subscriber, self._optouts(session, subscriber.id).get(subscriber.id, ()))

    def update_subscriber(
        self,
        subscriber_id: int,
        *,
        name: str | None = None,
        language: str | None = None,
        groups: str | list[str] | None = None,
        roles: str | list[str] | None = None,
        organisation: str | None = None,
    ) -> SubscriberView:
        """Edit a subscriber's details (not their status: see ``set_status``)."""
        with self.ctx.db.session() as session:
            subscriber = self._get(session, subscriber_id)
            if name is not None:
                subscriber.name = name.strip()
            if language is not None:
                subscriber.language = Language(language)
            if groups is not None:
                subscriber.groups = split_tags(
                    groups if isinstance(groups, str) else ",".join(groups)
                )
            if roles is not None:
                subscriber.roles = split_tags(roles if isinstance(roles, str) else ",".join(roles))
            if organisation is not None:
                subscriber.organisation = self._organisation(session, organisation)
            session.flush()
            return _view(subscriber)

    def choose_language(self, subscriber_id: int, language: str) -> SubscriberView:
        """The person's own choice of language (preferences page): an import keeps it."""
        with self.ctx.db.session() as session:
            subscriber = self._get(session, subscriber_id)
            subscriber.language = Language(language)
            subscriber.language_chosen = True
            session.flush()
            return _view(subscriber)

    def export_person(self, email: str, lang: str | None = None) -> dict[str, Any]:
        """Everything held about one person (the right of access); the texts of the
        network in ``lang``, by default the person's language."""
        with self.ctx.db.session() as session:
            subscriber = subscriptions.get_by_email(session, email)
            return gdpr.export_person(session, subscriber, lang)

    def erase_person(self, email: str) -> int:
        """Erase one person (the right to erasure); their deliveries stay, anonymised,
        so the reports keep their counts. Returns how many deliveries were kept."""
        with self.ctx.db.session() as session:
            return gdpr.erase_person(session, subscriptions.get_by_email(session, email))

    def set_status(self, subscriber_id: int, status: str, *, reason: str) -> SubscriberView:
        """The coordinator's change of status (block, reactivate…)."""
        with self.ctx.db.session() as session:
            subscriber = self._get(session, subscriber_id)
            subscriptions.set_status(
                subscriber, SubscriberStatus(status), reason=reason, at=utcnow(), source=reason
            )
            return _view(subscriber)

    def unsubscribe(
        self, who: str | int, *, list_id: str | None = None, source: str = "coordinator"
    ) -> bool:
        """Unsubscribe at once from one list or from everything (by e-mail or id).

        Returns False when the subscriber was already out."""
        if list_id is not None:
            self.segment(list_id)
        with self.ctx.db.session() as session:
            subscriber = (
                subscriptions.get_by_email(session, who)
                if isinstance(who, str)
                else self._get(session, who)
            )
            return subscriptions.unsubscribe(
                session, subscriber, list_id=list_id, reason=source, at=utcnow()
            )

    def resubscribe_list(self, subscriber_id: int, list_id: str) -> bool:
        with self.ctx.db.session() as session:
            return subscriptions.resubscribe_list(
                session, self._get(session, subscriber_id), list_id
            )

    def record_bounce(
        self, subscriber_id: int, *, hard: bool, reason: str, limit: int | None = None
    ) -> SubscriberView:
        """Count a bounce: a hard one, or ``limit`` (default BOUNCE_LIMIT) counted ones,
        mark the address bounced."""
        with self.ctx.db.session() as session:
            subscriber = self._get(session, subscriber_id)
            subscriptions.record_bounce(
                subscriber,
                hard=hard,
                reason=reason,
                limit=limit or self.ctx.settings.bounce_limit,
                at=utcnow(),
            )
            return _view(subscriber)

    # --- lists ---------------------------------------------------------------------------
    def segments(self) -> tuple[dict[str, Segment], list[SegmentError]]:
        """The lists of LISTS_DIR, parsed again only when a file there changed."""
        folder = self.ctx.settings.lists_dir
        try:
            # the files' bytes (small): a change within one clock tick is still seen
            stamp = tuple((p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file())
        except OSError:
            return load_segments(folder)
        if self._segments is None or self._segments[0] != (folder, stamp):
            self._segments = ((folder, stamp), load_segments(folder))
        segments, errors = self._segments[1]
        return dict(segments), list(errors)

    def segment(self, list_id: str) -> Segment:
        segments, _ = self.segments()
        if list_id not in segments:
            raise NotFoundError(
                N_("Unknown list '{list}'. Lists: {known}"),
                list=list_id,
                known=", ".join(sorted(segments)) or "-",
            )
        return segments[list_id]

    def lists(self) -> tuple[list[ListInfo], list[SegmentError]]:
        """Every list with its number of active recipients, and the files in error."""
        infos, errors, _reach = self.lists_and_reach()
        return infos, errors

    def lists_and_reach(
        self, selected: Sequence[str] = (), languages: dict[str, int] | None = None
    ) -> tuple[list[ListInfo], list[SegmentError], int]:
        """Every list with its number of active recipients, the files in error, and how
        many people the ``selected`` lists reach together (each once): counted once.
        ``languages``, when given, gets those people counted per language too."""
        segments, errors = self.segments()
        with self.ctx.db.session() as session:
            counts, reach = count_lists(session, segments, selected, languages)
        infos = [
            ListInfo(s.id, dict(s.title), s.description, counts[s.id]) for s in segments.values()
        ]
        return infos, errors, reach

    def lists_of(self, subscriber_id: int) -> list[str]:
        """The lists a subscriber belongs to by their profile (opt-outs not applied)."""
        segments, _ = self.segments()
        with self.ctx.db.session() as session:
            subscriber = self._get(session, subscriber_id)
            facts = facts_of(subscriber, subscriber.organisation)
            return [s.id for s in segments.values() if s.contains(facts, subscriber.email_key)]

    def recipients(self, list_ids: Sequence[str]) -> list[Recipient]:
        """Active recipients of a send to these lists, deduplicated."""
        with self.ctx.db.session() as session:
            return list(self._recipients(session, list_ids))

    def count_recipients(self, list_ids: Sequence[str]) -> int:
        with self.ctx.db.session() as session:
            return sum(1 for _ in self._recipients(session, list_ids))

    # --- internals -----------------------------------------------------------------------
    def _recipients(self, session: Session, list_ids: Sequence[str]) -> Iterator[Recipient]:
        segments, _ = self.segments()
        return iter_recipients(session, segments, list_ids)

    @staticmethod
    def _get(session: Session, subscriber_id: int) -> Subscriber:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None:
            raise NotFoundError(N_("No subscriber number {id}."), id=subscriber_id)
        return subscriber

    @staticmethod
    def _optouts(session: Session, subscriber_id: int | None = None) -> dict[int, list[str]]:
        query = select(ListOptOut.subscriber_id, ListOptOut.list_id)
        if subscriber_id is not None:
            query = query.where(ListOptOut.subscriber_id == subscriber_id)
        result: dict[int, list[str]] = {}
        for sid, list_id in session.execute(query):
            result.setdefault(sid, []).append(list_id)
        return result

    @staticmethod
    def _organisation(session: Session, name: str) -> Organisation | None:
        if not name.strip():
            return None
        org = session.scalar(select(Organisation).where(Organisation.name_key == name_key(name)))
        if org is None:
            raise NotFoundError(N_("No organisation named '{name}'."), name=name).on("organisation")
        return org
