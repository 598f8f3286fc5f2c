"""People and organisations managed one by one or by selection, for every door.

Adding a person, changing their address (the old one is kept), reactivating someone
who had unsubscribed (a reason is required and kept as consent evidence), erasing a
person, editing an organisation, and the actions on a selection of people.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from newsletter.audience import departures, gdpr, people, subscriptions
from newsletter.audience.normalize import name_key
from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.service.audience import (
    AudienceService,
    OrganisationView,
    SubscriberView,
    _view,
)
from newsletter.service.notices import NoticesService
from newsletter.service.partners import PartnerLinksService
from newsletter.service.person_form import PersonForm
from newsletter.store.audience import (
    ConsentEvent,
    Organisation,
    PastAddress,
    Subscriber,
)
from newsletter.store.base import utcnow

PER_PAGE = 50
MAX_PER_PAGE = 200
#: the statuses a coordinator may set by hand
COORDINATOR_STATUSES = ("active", "unsubscribed", "blocked")
BULK_ACTIONS = (*people.TAG_ACTIONS, "erase")


@dataclass(frozen=True)
class PeoplePage:
    items: list[SubscriberView]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class PastAddressView:
    email: str
    replaced_at: datetime
    changed_by: str


@dataclass(frozen=True)
class ConsentView:
    at: datetime
    status: str
    previous: str
    source: str
    actor: str
    reason: str


@dataclass(frozen=True)
class PersonDetail:
    subscriber: SubscriberView
    past_addresses: list[PastAddressView]
    consent: list[ConsentView]


@dataclass(frozen=True)
class OrganisationDetail:
    organisation: OrganisationView
    people: list[SubscriberView]


@dataclass(frozen=True)
class BulkResult:
    action: str
    selected: int
    changed: int


@dataclass(frozen=True)
class LinksSent:
    """Partner links sent to a selection: to whom, for which organisations, and the
    people left out (no organisation, or an address that receives nothing)."""

    organisations: list[str] = field(default_factory=list)
    sent_to: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class PeopleService:
    def __init__(
        self,
        ctx: Context,
        audience: AudienceService,
        partners: PartnerLinksService,
        notices: NoticesService,
    ) -> None:
        self.ctx = ctx
        self.audience = audience
        self.partners = partners
        self.notices = notices

    # --- finding people ------------------------------------------------------------------
    def search(
        self,
        text: str = "",
        *,
        status: str = "",
        list_id: str = "",
        organisation_id: int | None = None,
        page: int = 1,
        per_page: int = PER_PAGE,
    ) -> PeoplePage:
        """One page of the people matching the filters, by e-mail address."""
        if status and status not in SubscriberStatus.__members__:
            raise ValidationError(N_("Unknown status."))
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        filters = people.Filters(text[:200], status, organisation_id)
        with self.ctx.db.session() as session:
            # one pass: the ids of every match in address order (plain rows), then the
            # people of the page; a list is a rule, not a column, so its members are kept
            # in Python
            ids: list[int] = list(
                session.connection()
                .execute(
                    people.filtered(select(Subscriber.id), filters).order_by(Subscriber.email_key)
                )
                .scalars()
            )
            if list_id:
                members = people.member_ids(session, self.audience.segment(list_id))
                ids = [sid for sid in ids if sid in members]
            total = len(ids)
            page = _clamp(page, total, per_page)
            wanted = ids[(page - 1) * per_page : page * per_page]
            query = select(Subscriber).where(Subscriber.id.in_(wanted))
            query = query.options(selectinload(Subscriber.organisation))
            items = [_view(s) for s in session.scalars(query.order_by(Subscriber.email_key))]
        return PeoplePage(items, total, page, per_page)

    def detail(self, subscriber_id: int) -> PersonDetail:
        """The person with their past addresses and the evidence of their consent."""
        with self.ctx.db.session() as session:
            _get(session, subscriber_id)
            past = session.scalars(
                select(PastAddress)
                .where(PastAddress.subscriber_id == subscriber_id)
                .order_by(PastAddress.replaced_at.desc(), PastAddress.id.desc())
            ).all()
            events = session.scalars(
                select(ConsentEvent)
                .where(ConsentEvent.subscriber_id == subscriber_id)
                .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
            ).all()
            return PersonDetail(
                self.audience.get_subscriber(subscriber_id),
                [PastAddressView(p.email, p.replaced_at, p.changed_by) for p in past],
                [ConsentView(e.at, e.status, e.previous, e.source, e.actor, e.reason)
                 for e in events],
            )  # fmt: skip

    # --- one person ----------------------------------------------------------------------
    def add(
        self, email: str, form: PersonForm | None = None, *, by: str, source: str
    ) -> SubscriberView:
        """A person added by a coordinator: active at once, the consent recorded as given
        to the coordinator (``source``: "console", "cli")."""
        address = people.valid_address(email)
        fields = (form or PersonForm()).checked()
        organisation = fields.organisation
        now = utcnow()
        with self.ctx.db.session() as session:
            if subscriptions.find_by_email(session, address) is not None:
                raise ValidationError(N_("{email} is already in the directory."), email=address)
            org_id = None
            if organisation.strip():
                org_id = people.organisation_named(session, organisation)
                if org_id is None:
                    raise NotFoundError(N_("No organisation named '{name}'."), name=organisation)
            subscriber = Subscriber(
                email=address, email_key=address.casefold(), name=fields.name,
                organisation_id=org_id, language=Language(fields.language),
                groups=fields.groups, roles=fields.roles,
                status=SubscriberStatus.pending, status_changed_at=now,
            )  # fmt: skip
            session.add(subscriber)
            session.flush()
            subscriptions.set_status(
                subscriber, SubscriberStatus.active, reason="", at=now, source=source, actor=by
            )
            session.flush()
            subscriber_id = subscriber.id
        return self.audience.get_subscriber(subscriber_id)

    def edit(self, subscriber_id: int, form: PersonForm) -> SubscriberView:
        """The coordinator's changes to a person's details (not their status or address),
        checked as a new person's are."""
        fields = form.checked()
        return self.audience.update_subscriber(
            subscriber_id, name=fields.name, language=fields.language,
            organisation=fields.organisation, groups=fields.groups, roles=fields.roles,
        )  # fmt: skip

    def change_email(self, who: int | str, new: str, *, by: str) -> SubscriberView:
        """A new address for the person; the old one stays in their history."""
        with self.ctx.db.session() as session:
            subscriber = _find(session, who)
            people.change_address(session, subscriber, new, by=by, at=utcnow())
            subscriber_id = subscriber.id
        return self.audience.get_subscriber(subscriber_id)

    def set_status(
        self, who: int | str, status: str, *, by: str, source: str, reason: str = ""
    ) -> SubscriberView:
        """The coordinator's change of status. Bringing back someone who had
        unsubscribed takes a reason (what the person asked, and how): it is kept with the
        date as the evidence of their consent."""
        if status not in COORDINATOR_STATUSES:
            raise ValidationError(N_("Unknown status."))
        reason = reason.strip()[:1000]
        with self.ctx.db.session() as session:
            subscriber = _find(session, who)
            target = SubscriberStatus(status)
            if (
                target is SubscriberStatus.active
                and subscriber.status is SubscriberStatus.unsubscribed
                and not reason
            ):
                raise ValidationError(
                    N_("{email} unsubscribed: say why they may receive the newsletter again "
                       "(when and how they asked)."),
                    email=subscriber.email,
                )  # fmt: skip
            subscriptions.set_status(
                subscriber, target, reason=reason or source, at=utcnow(), source=source, actor=by
            )
            subscriber_id = subscriber.id
        return self.audience.get_subscriber(subscriber_id)

    def erase(self, subscriber_id: int, *, confirmation: str) -> int:
        """Erase the person for good (see ``audience.gdpr``): ``confirmation`` must be
        their address, typed again. Returns how many deliveries were kept anonymised."""
        with self.ctx.db.session() as session:
            subscriber = _get(session, subscriber_id)
            if confirmation.strip().casefold() != subscriber.email_key:
                raise ValidationError(
                    N_("Type the address {email} to confirm the erasure."),
                    email=subscriber.email,
                )
            return gdpr.erase_person(session, subscriber)

    # --- a selection ---------------------------------------------------------------------
    def bulk(self, ids: Sequence[int], action: str, value: str = "") -> BulkResult:
        """Give or take a working group or role to every selected person, or erase
        them all (``erase``)."""
        if action not in BULK_ACTIONS:
            raise ValidationError(N_("Unknown action."))
        if not ids:
            raise ValidationError(N_("Select at least one person."))
        changed = 0
        with self.ctx.db.session() as session:
            for subscriber in session.scalars(
                select(Subscriber).where(Subscriber.id.in_(list(ids)))
            ):
                if action == "erase":
                    gdpr.erase_person(session, subscriber)
                    changed += 1
                elif people.retag(subscriber, action, value):
                    changed += 1
        return BulkResult(action, len(ids), changed)

    def export_selection(self, ids: Sequence[int]) -> bytes:
        """The selected people as CSV (UTF-8 with BOM, ``;``), every cell formula-safe."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(people.SELECTION_COLUMNS)
        with self.ctx.db.session() as session:
            selected = session.scalars(
                select(Subscriber)
                .where(Subscriber.id.in_(list(ids)))
                .options(selectinload(Subscriber.organisation))
                .order_by(Subscriber.email_key)
            ).all()
            writer.writerows(people.selection_rows(selected))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def send_partner_links(self, ids: Sequence[int]) -> LinksSent:
        """E-mail each selected person the personal submission link of their
        organisation (active addresses only)."""
        if not ids:
            raise ValidationError(N_("Select at least one person."))
        by_org: dict[int, list[SubscriberView]] = {}
        skipped: list[str] = []
        for person in self._views(Subscriber.id.in_(list(ids))):
            if person.organisation_id is None or person.status != "active":
                skipped.append(person.email)
            else:
                by_org.setdefault(person.organisation_id, []).append(person)
        result = LinksSent(skipped=skipped)
        for org_id, persons in by_org.items():
            self._send_links(org_id, persons, result)
        return result

    def send_organisation_links(self, organisation_id: int) -> LinksSent:
        """E-mail the personal submission link of one organisation to each of its people
        with an active address (the console's partners page)."""
        persons = self._views(
            Subscriber.organisation_id == organisation_id,
            Subscriber.status == SubscriberStatus.active,
        )
        if not persons:
            raise ValidationError(
                N_("Nobody of this organisation can receive e-mail (no active address).")
            )
        result = LinksSent()
        self._send_links(organisation_id, persons, result)
        return result

    def _send_links(self, org_id: int, persons: list[SubscriberView], result: LinksSent) -> None:
        """The link of the organisation to each person, in their language; then the
        organisation's link is marked sent to them."""
        url = self.partners.url(org_id)
        name = persons[0].organisation
        for person in persons:
            self.notices.partner_link([person.email], name, url, person.language)
            result.sent_to.append(person.email)
        self.partners.mark_sent(org_id, [p.email for p in persons])
        result.organisations.append(name)

    def _views(self, *where: ColumnElement[bool]) -> list[SubscriberView]:
        with self.ctx.db.session() as session:
            return [
                _view(s)
                for s in session.scalars(
                    select(Subscriber)
                    .where(*where)
                    .options(selectinload(Subscriber.organisation))
                    .order_by(Subscriber.email_key)
                )
            ]

    # --- organisations -------------------------------------------------------------------
    def organisation(self, organisation_id: int) -> OrganisationDetail:
        with self.ctx.db.session() as session:
            org = _organisation(session, organisation_id)
            persons = session.scalars(
                select(Subscriber)
                .where(Subscriber.organisation_id == organisation_id)
                .options(selectinload(Subscriber.organisation))
                .order_by(Subscriber.email_key)
            ).all()
            view = OrganisationView(
                org.id, org.name, org.membership.value, org.sector, org.website, len(persons),
                org.left_on,
            )  # fmt: skip
            return OrganisationDetail(view, [_view(p) for p in persons])

    def update_organisation(
        self,
        organisation_id: int,
        *,
        name: str,
        membership: str,
        sector: str = "",
        website: str = "",
    ) -> OrganisationView:
        """Rename an organisation, change its membership (effectif, adhérent, none),
        sector or website. A name another organisation has is refused."""
        clean = " ".join(name.split())[:200]
        if not clean or not name_key(clean):
            raise ValidationError(N_("The organisation needs a name.")).on("name")
        try:
            kind = Membership(membership)
        except ValueError as error:
            raise ValidationError(N_("Unknown membership.")).on("membership") from error
        site = website.strip()[:500]
        if site and not site.startswith(("https://", "http://")):
            raise ValidationError(N_("The website must start with https:// or http://.")).on(
                "website"
            )
        with self.ctx.db.session() as session:
            org = _organisation(session, organisation_id)
            if people.organisation_named(session, clean, but=organisation_id) is not None:
                raise ValidationError(
                    N_("Another organisation is already named '{name}'."), name=clean
                ).on("name")
            org.name, org.name_key, org.membership = clean, name_key(clean), kind
            org.sector, org.website = " ".join(sector.split())[:200], site
        return self.organisation(organisation_id).organisation

    def organisation_left(
        self, organisation_id: int, day: date, *, actor: str = ""
    ) -> OrganisationView:
        """The organisation left the network: ``day`` is the last day of its membership
        (a second call corrects the day). Its row, people and history stay."""
        with self.ctx.db.session() as session:
            departures.record_departure(
                session, _organisation(session, organisation_id), day, actor=actor
            )
        return self.organisation(organisation_id).organisation

    def organisation_returned(
        self, organisation_id: int, day: date, *, actor: str = ""
    ) -> OrganisationView:
        """An organisation that had left is a member again from ``day``."""
        with self.ctx.db.session() as session:
            departures.record_return(
                session, _organisation(session, organisation_id), day, actor=actor
            )
        return self.organisation(organisation_id).organisation

    def attach(self, organisation_id: int, email: str) -> SubscriberView:
        """Make a person of the directory one of the organisation's people."""
        with self.ctx.db.session() as session:
            _organisation(session, organisation_id)
            subscriber = subscriptions.get_by_email(session, email)
            subscriber.organisation_id = organisation_id
            subscriber_id = subscriber.id
        return self.audience.get_subscriber(subscriber_id)

    def detach(self, organisation_id: int, subscriber_id: int) -> SubscriberView:
        """The person no longer belongs to the organisation (they stay in the directory)."""
        with self.ctx.db.session() as session:
            subscriber = _get(session, subscriber_id)
            if subscriber.organisation_id != organisation_id:
                raise ValidationError(
                    N_("{email} is not one of this organisation's people."),
                    email=subscriber.email,
                )
            subscriber.organisation_id = None
        return self.audience.get_subscriber(subscriber_id)


def _clamp(page: int, total: int, per_page: int) -> int:
    """The page asked for, within the pages there are."""
    return min(max(page, 1), max(1, math.ceil(total / per_page)))


def _get(session: Session, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFoundError(N_("No subscriber number {id}."), id=subscriber_id)
    return subscriber


def _find(session: Session, who: int | str) -> Subscriber:
    if isinstance(who, str):
        return subscriptions.get_by_email(session, who)
    return _get(session, who)


def _organisation(session: Session, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFoundError(N_("Unknown organisation {id}."), id=organisation_id)
    return org


def describe_links(result: LinksSent) -> Msg:
    """What the doors say after sending partner links to a selection."""
    return Msg(
        N_("Links sent to {n} person(s) of {orgs}; {skipped} left out (no organisation or "
           "no active address)."),
        {"n": len(result.sent_to), "orgs": ", ".join(result.organisations) or "-",
         "skipped": len(result.skipped)},
    )  # fmt: skip
