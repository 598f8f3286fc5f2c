"""The yearly activity report: what the network did in a year, in figures a funder reads.

Gathered here from the records (years run from 1 January to 31 December in
Europe/Brussels): each AG with its participants — "N personnes représentant M
partenaires" from the attendance recorded at the door, or, when nobody was ticked
present, from the answers to the invitation (and the report says so) — each issue and
mailing with its counts, the news items received per organisation and per channel, the
directory at the end of the year, and the people and services reached over all years.
The layouts (HTML, PDF, CSV) are ``report.activity_output``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.audience import departures
from newsletter.editorial import attendance
from newsletter.i18n import DEFAULT_LANGUAGE
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus, Membership, NewsSource
from newsletter.store.assemblies import Attendance
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.delivery import Delivery, Send
from newsletter.store.editorial import Assembly, Issue, NewsItem, RsvpAnswer

#: the channel a news item came through, as the report groups them
CHANNELS: dict[NewsSource, str] = {
    NewsSource.form: "form",
    NewsSource.public_form: "form",
    NewsSource.email: "email",
    NewsSource.coordinator: "console",
}


@dataclass(frozen=True)
class AssemblyLine:
    id: int
    starts_at: datetime
    title: str
    place: str
    video_url: str
    people: int
    organisations: int
    #: True: counted at the door; False: from the answers to the invitation
    from_attendance: bool
    agenda: list[str]
    speakers: list[str]
    cancelled: bool
    #: the language of the version shown, and whether it is the other language's
    language: str = DEFAULT_LANGUAGE
    fallback: bool = False


@dataclass(frozen=True)
class SendLine:
    issue_id: int
    number: int
    title: str
    #: "issue" (a newsletter) or "mailing" (an AG invitation or reminder)
    kind: str
    sent_at: datetime | None
    lists: list[str]
    recipients: int
    delivered: int
    failed: int
    unsubscribed: int
    #: the language of the title shown, and whether it is the other language's
    language: str = DEFAULT_LANGUAGE
    fallback: bool = False


@dataclass(frozen=True)
class Contribution:
    organisation: str
    form: int = 0
    email: int = 0
    console: int = 0

    @property
    def total(self) -> int:
        return self.form + self.email + self.console


@dataclass(frozen=True)
class DirectoryLine:
    full_members: int
    associate_members: int
    #: organisations recorded at the end of the year, members or not
    organisations: int
    #: organisations recorded during the year, and those that came back in it
    new: list[str] = field(default_factory=list)
    #: organisations whose membership ended during the year (``audience.departures``)
    departed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reach:
    """Everybody the newsletter and the AGs reached, over all years."""

    people: int
    services: int
    since: datetime | None


@dataclass(frozen=True)
class ActivityReport:
    year: int
    organisation_name: str
    #: the language the report is written in (titles, agendas and speakers in their
    #: version in it, else the other one, marked ``fallback``)
    lang: str
    assemblies: list[AssemblyLine]
    sends: list[SendLine]
    contributions: list[Contribution]
    directory: DirectoryLine
    reach: Reach

    @property
    def issues(self) -> list[SendLine]:
        return [s for s in self.sends if s.kind == "issue"]

    @property
    def mailings(self) -> list[SendLine]:
        return [s for s in self.sends if s.kind == "mailing"]

    def channel_total(self, channel: str) -> int:
        return sum(getattr(c, channel) for c in self.contributions)


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def gather(
    session: Session, year: int, timezone: str, organisation_name: str,
    lang: str = DEFAULT_LANGUAGE,
) -> ActivityReport:  # fmt: skip
    start, end = year_bounds(year, timezone)
    return ActivityReport(
        year=year,
        organisation_name=organisation_name,
        lang=lang,
        assemblies=_assemblies(session, start, end, lang),
        sends=_sends(session, start, end, lang),
        contributions=_contributions(session, start, end),
        directory=_directory(session, start, end),
        reach=_reach(session, end),
    )


def _assemblies(session: Session, start: datetime, end: datetime, lang: str) -> list[AssemblyLine]:
    found = session.scalars(
        select(Assembly)
        .where(Assembly.starts_at >= start, Assembly.starts_at < end)
        .order_by(Assembly.starts_at)
    )
    lines = []
    for ag in found:
        record = attendance.record(session, ag)
        if record.people:
            people, organisations, counted = record.people, record.organisations, True
        else:
            people, organisations = _from_answers(session, ag.id)
            counted = False
        chosen = versions.choose(ag, lang)
        shown = chosen.language
        speakers = [
            ", ".join(p for p in (str(s.get("name", "")), str(s.get("organisation", ""))) if p)
            for s in versions.pick(ag, "speakers", shown) or []
            if isinstance(s, dict)
        ]
        lines.append(
            AssemblyLine(
                id=ag.id, starts_at=ag.starts_at, title=str(versions.field_in(ag, "title", shown)),
                place=str(versions.pick(ag, "place", shown)), video_url=ag.video_url,
                people=people, organisations=organisations, from_attendance=counted,
                agenda=[str(p) for p in versions.pick(ag, "agenda", shown) or []],
                speakers=speakers, cancelled=ag.cancelled, language=shown,
                fallback=chosen.fallback,
            )
        )  # fmt: skip
    return lines


def _from_answers(session: Session, assembly_id: int) -> tuple[int, int]:
    """People announced and organisations they answered for ("yes" answers)."""
    row = session.execute(
        select(
            func.coalesce(func.sum(RsvpAnswer.people), 0),
            func.count(distinct(Subscriber.organisation_id)),
        )
        .join(Subscriber, Subscriber.id == RsvpAnswer.subscriber_id)
        .where(
            RsvpAnswer.assembly_id == assembly_id,
            RsvpAnswer.choice == "yes",
            RsvpAnswer.attending.is_(True),
        )
    ).one()
    return int(row[0]), int(row[1])


def _sends(session: Session, start: datetime, end: datetime, lang: str) -> list[SendLine]:
    from newsletter.report.feedback import feedback

    found = session.execute(
        select(Issue, Send)
        .join(Send, Send.issue_id == Issue.id)
        .where(Send.created_at >= start, Send.created_at < end)
        .order_by(Send.created_at, Issue.id)
    ).all()
    lines = []
    for issue, send in found:
        tally = dict(
            session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.send_id == send.id)
                .group_by(Delivery.status)
            ).all()
        )
        chosen = versions.choose(issue, lang)
        lines.append(
            SendLine(
                issue_id=issue.id,
                number=issue.number,
                title=str(versions.field_in(issue, "title", chosen.language)),
                language=chosen.language,
                fallback=chosen.fallback,
                kind="mailing" if issue.assembly_id is not None else "issue",
                sent_at=issue.sent_at or send.created_at,
                lists=list(send.lists or []),
                recipients=sum(tally.values()) - tally.get(D.skipped, 0),
                delivered=tally.get(D.sent, 0),
                failed=tally.get(D.failed_permanent, 0) + tally.get(D.bounced, 0),
                unsubscribed=feedback(session, issue.id).unsubscribed,
            )
        )
    return [line for line in lines if _was_sent(session, line.issue_id)]


def _was_sent(session: Session, issue_id: int) -> bool:
    status = session.execute(select(Issue.status).where(Issue.id == issue_id)).scalar_one()
    return IssueStatus(status) is not IssueStatus.draft


def _contributions(session: Session, start: datetime, end: datetime) -> list[Contribution]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"form": 0, "email": 0, "console": 0})
    rows = session.execute(
        select(Organisation.name, NewsItem.organisation_name, NewsItem.source, func.count())
        .outerjoin(Organisation, Organisation.id == NewsItem.organisation_id)
        .where(NewsItem.created_at >= start, NewsItem.created_at < end)
        .group_by(Organisation.name, NewsItem.organisation_name, NewsItem.source)
    ).all()
    for known, given, source, number in rows:
        name = known or given or ""
        counts[name][CHANNELS[NewsSource(source)]] += int(number)
    return [
        Contribution(name, **channels)
        for name, channels in sorted(counts.items(), key=lambda kv: (not kv[0], kv[0].casefold()))
    ]


def _directory(session: Session, start: datetime, end: datetime) -> DirectoryLine:
    """The directory on the last day of the year: members counted without the
    organisations that had left by then; the new and departed ones of the year."""
    first_day, next_year = start.date(), end.date()
    out = departures.out_on(session, next_year)
    rows = session.execute(
        select(Organisation.id, Organisation.membership).where(Organisation.created_at < end)
    ).all()
    by_kind: dict[Membership, int] = {}
    for organisation_id, kind in rows:
        if organisation_id not in out:
            by_kind[Membership(kind)] = by_kind.get(Membership(kind), 0) + 1
    created = session.scalars(
        select(Organisation.name)
        .where(Organisation.created_at >= start, Organisation.created_at < end)
        .order_by(Organisation.name)
    )
    returned = departures.events_between(session, departures.RETURNED, first_day, next_year)
    left = departures.events_between(session, departures.LEFT, first_day, next_year)
    return DirectoryLine(
        full_members=by_kind.get(Membership.full, 0),
        associate_members=by_kind.get(Membership.associate, 0),
        organisations=sum(by_kind.values()),
        new=list(dict.fromkeys([*created, *(name for _i, name, _d in returned)])),
        departed=list(dict.fromkeys(name for _i, name, _d in left)),
    )


def _reach(session: Session, end: datetime) -> Reach:
    """People who received at least one issue or came to an AG, and the organisations
    (services) they belong to, up to the end of the year."""
    reached = (
        select(Delivery.subscriber_id.label("id"))
        .where(Delivery.status.in_([D.sent, D.bounced]), Delivery.sent_at < end)
        .union(
            select(Attendance.subscriber_id.label("id")).where(
                Attendance.present.is_(True),
                Attendance.subscriber_id.is_not(None),
                Attendance.at < end,
            )
        )
        .subquery()
    )
    people = session.execute(select(func.count()).select_from(reached)).scalar_one()
    services = session.execute(
        select(func.count(distinct(Subscriber.organisation_id))).where(
            Subscriber.id.in_(select(reached.c.id)), Subscriber.organisation_id.is_not(None)
        )
    ).scalar_one()
    walk_ins = session.execute(
        select(func.count(distinct(Attendance.organisation_name))).where(
            Attendance.present.is_(True),
            Attendance.organisation_id.is_(None),
            Attendance.organisation_name != "",
            Attendance.at < end,
        )
    ).scalar_one()
    since = session.execute(select(func.min(Delivery.sent_at))).scalar()
    return Reach(people=int(people), services=int(services) + int(walk_ins), since=since)
