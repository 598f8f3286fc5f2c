"""Service of the general assemblies (AG): invitation and reminders, who answered and
the quorum, attendance at the door, the sheet to sign, the PV cycle.

The console, the command line (``newsletter assembly …``) and the scheduler call these
methods; the rules live in ``editorial.invitations``, ``editorial.participation`` and
``editorial.attendance``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsletter import versions
from newsletter.context import Context
from newsletter.editorial import assemblies as ag
from newsletter.editorial import attendance as door
from newsletter.editorial import invitations as inv
from newsletter.editorial import participation as part
from newsletter.editorial import sheet
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, ngettext
from newsletter.models import RsvpChoice
from newsletter.render import sheet as render_sheet
from newsletter.service.delivery import DeliveryService
from newsletter.service.json_result import JsonResult
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly


@dataclass(frozen=True)
class OrganisationAttendance(JsonResult):
    organisation: str
    membership: str
    people: list[str]


@dataclass(frozen=True)
class AttendanceSummary(JsonResult):
    """Who came to an AG (``assembly attendance --json``)."""

    assembly: int
    people: int
    organisations: int
    #: "N people representing M partners", in the language asked for
    line: str
    by_organisation: list[OrganisationAttendance]


@dataclass(frozen=True)
class AssemblyStatus:
    """Answers and quorum of an AG, before it (answers) or during it (check-in)."""

    assembly_id: int
    standings: list[part.Standing]
    quorum: part.Quorum
    #: people and organisations coming (before the AG) or there (once check-in began)
    people: int
    organisations: int
    check_in: bool
    proxy_limit: int
    closes_at: datetime

    @property
    def not_answered(self) -> list[part.Standing]:
        return part.not_answered(self.standings)

    @property
    def answered(self) -> list[part.Standing]:
        return [s for s in self.standings if s.choice is not None]

    def as_json(self) -> dict[str, Any]:
        """The document of ``assembly status --json``."""
        return {
            "answered": len(self.answered),
            "not_answered": len(self.not_answered),
            "people": self.people,
            "organisations": self.organisations,
            "voting_present": self.quorum.voting_present,
            "voting_represented": self.quorum.voting_represented,
            "quorum": self.quorum.required,
            "quorum_reached": self.quorum.reached,
        }


@dataclass(frozen=True)
class Reminder:
    """What ``remind`` did: an issue sent now, or the time the planned one goes."""

    assembly_id: int
    issue_id: int | None
    recipients: int
    planned_at: datetime | None


@dataclass(frozen=True)
class AssemblyRules:
    """The coordinator's settings of one AG and when its reminder goes."""

    proxy_limit: int
    closes_at: datetime
    reminder_at: datetime | None
    reminder_sent_at: datetime | None


@dataclass(frozen=True)
class MinutesEntry:
    """An AG's PV in the archive: a draft until its approval is recorded."""

    assembly_id: int
    title: str
    starts_at: datetime
    final: bool
    approval: str
    approved_at: datetime | None
    public: bool
    filename: str
    #: the original language (``title`` is in it) and the titles of the AG's versions
    language: str = DEFAULT_LANGUAGE
    titles: dict[str, str] = field(default_factory=dict)

    def shown_title(self, reader: str) -> tuple[str, str]:
        """The title a reader of ``reader`` gets and its language (the original's when
        the AG has no version in theirs)."""
        if self.titles.get(reader):
            return self.titles[reader], reader
        return self.title, self.language


class AssembliesService:
    def __init__(self, ctx: Context, delivery: DeliveryService) -> None:
        self.ctx = ctx
        self.delivery = delivery

    # --- invitation and reminders --------------------------------------------------------

    def invitation(self, assembly_id: int, title: str = "") -> int:
        """The invitation issue of an AG (a members-only draft made once); its id."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            return inv.prepare_invitation(session, self.ctx.settings, assembly, title).id

    def remind(
        self, assembly_id: int, *, now: bool = False, at: datetime | None = None
    ) -> Reminder:
        """Remind the organisations that have not answered: now, or plan it (at ``at``,
        or keep the planned time). Sending now needs the invitation to be out."""
        if now:
            issue_id, count = self._send_reminder(assembly_id, planned=False)
            return Reminder(assembly_id, issue_id, count, None)
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            if at is not None:
                _check_reminder(assembly, at)
                assembly.reminder_at = at
                assembly.reminder_sent_at = None
            planned = inv.reminder_time(self.ctx.settings, assembly)
            return Reminder(assembly_id, None, 0, planned)

    def run_planned_reminder(self, assembly_id: int) -> int | None:
        """The scheduler's job: the planned reminder (once); the issue id, or None."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            if not inv.reminder_wanted(session, self.ctx.settings, assembly):
                return None
            assembly.reminder_sent_at = utcnow()
        try:
            issue_id, _count = self._send_reminder(assembly_id, planned=True)
        except ValidationError:
            return None  # everybody answered: nothing to remind
        return issue_id

    def reminders_due(self, now: datetime | None = None) -> list[tuple[int, datetime]]:
        """(assembly id, time) of the planned reminders still to send (for the scheduler)."""
        with self.ctx.db.session() as session:
            return inv.reminders_due(session, self.ctx.settings, now or utcnow())

    def _send_reminder(self, assembly_id: int, *, planned: bool) -> tuple[int, int]:
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            if assembly.cancelled:
                raise ValidationError(N_("This assembly has been cancelled."))
            invitation = inv.invitation_of(session, assembly_id)
            if invitation is None or invitation.status not in inv.LIVE:
                raise ValidationError(
                    N_("Send the invitation of this assembly before reminding anyone.")
                )
            recipients = inv.reminder_recipients(
                session, self.ctx.settings, assembly, invitation.lists
            )
            if not recipients:
                raise ValidationError(N_("Every organisation has answered: nobody to remind."))
            reminder_id = inv.new_reminder(session, assembly, invitation).id
            lists = list(invitation.lists)
        count = self.delivery.start_send(reminder_id, lists, recipients=recipients)
        return reminder_id, count

    # --- answers and quorum --------------------------------------------------------------

    def status(self, assembly_id: int) -> AssemblyStatus:
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            rows = part.standings(session, assembly)
            quorum = part.quorum(rows, self.ctx.settings.assembly_quorum)
            check_in = part.check_in_started(session, assembly_id)
            if check_in:
                record = door.record(session, assembly)
                people, organisations = record.people, record.organisations
            else:
                coming = [s for s in rows if s.choice == RsvpChoice.yes.value]
                people = sum(s.people for s in coming)
                organisations = len(coming)
            return AssemblyStatus(
                assembly_id=assembly_id,
                standings=rows,
                quorum=quorum,
                people=people,
                organisations=organisations,
                check_in=check_in,
                proxy_limit=assembly.proxy_limit,
                closes_at=part.closes_at(assembly),
            )

    def rules(self, assembly_id: int) -> AssemblyRules:
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            return AssemblyRules(
                proxy_limit=assembly.proxy_limit,
                closes_at=part.closes_at(assembly),
                reminder_at=inv.reminder_time(self.ctx.settings, assembly),
                reminder_sent_at=assembly.reminder_sent_at,
            )

    def set_rules(
        self,
        assembly_id: int,
        *,
        proxy_limit: int | str | None = None,
        closes_at: datetime | None = None,
        reminder_at: datetime | None = None,
    ) -> None:
        """The coordinator's settings of one AG: proxies one organisation may hold (a
        number, or the digits typed in a form), the time after which answers can no longer
        change, and when the planned reminder goes. All are checked before any is saved;
        an error names its field."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            limit = None if proxy_limit is None else _proxy_limit(proxy_limit)
            if closes_at is not None and closes_at.tzinfo is None:
                raise ValidationError(N_("Assembly times need a time zone.")).on("closes_at")
            if reminder_at is not None:
                try:
                    _check_reminder(assembly, reminder_at)
                except ValidationError as error:
                    raise error.on("reminder_at") from None
            if limit is not None:
                assembly.proxy_limit = limit
            if closes_at is not None:
                assembly.rsvp_closes_at = closes_at
            if reminder_at is not None:
                assembly.reminder_at = reminder_at
                assembly.reminder_sent_at = None

    # --- attendance ----------------------------------------------------------------------

    def attend(self, assembly_id: int, email: str, present: bool = True) -> door.Person:
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            row = door.mark(session, assembly, email, present)
            return next(p for p in door.people(session, assembly) if p.attendance_id == row.id)

    def attend_row(self, assembly_id: int, attendance_id: int, present: bool) -> None:
        with self.ctx.db.session() as session:
            door.mark_row(session, ag.get_assembly(session, assembly_id), attendance_id, present)

    def walk_in(self, assembly_id: int, name: str, organisation: str = "", email: str = "") -> None:
        with self.ctx.db.session() as session:
            door.walk_in(session, ag.get_assembly(session, assembly_id), name, organisation, email)

    def people(self, assembly_id: int, query: str = "") -> list[door.Person]:
        with self.ctx.db.session() as session:
            return door.people(session, ag.get_assembly(session, assembly_id), query)

    def attendance(self, assembly_id: int) -> door.AttendanceRecord:
        with self.ctx.db.session() as session:
            return door.record(session, ag.get_assembly(session, assembly_id))

    def attendance_line(self, assembly_id: int, lang: str) -> str:
        """ "N personnes représentant M partenaires" for the report."""
        return attendance_line(self.attendance(assembly_id), lang)

    def attendance_summary(self, assembly_id: int, lang: str) -> AttendanceSummary:
        """Who came, with the report's line in ``lang`` (``assembly attendance``)."""
        record = self.attendance(assembly_id)
        return AttendanceSummary(
            assembly=assembly_id,
            people=record.people,
            organisations=record.organisations,
            line=attendance_line(record, lang),
            by_organisation=[
                OrganisationAttendance(g.name, g.membership, list(g.people))
                for g in record.by_organisation
            ],
        )

    def sheet_pdf(self, assembly_id: int, lang: str = DEFAULT_LANGUAGE) -> bytes:
        """The attendance sheet to print (PDF): organisations, expected people, proxies,
        a column to sign; in ``lang``, the AG's texts in that version when it has one."""
        lang = versions.check_language(lang)
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            html = render_sheet.sheet_html(
                self.ctx.settings, assembly, sheet.sheet_rows(session, assembly), lang
            )
        return render_sheet.html_to_pdf(html)

    def attendance_csv(self, assembly_id: int) -> bytes:
        with self.ctx.db.session() as session:
            return door.to_csv(session, ag.get_assembly(session, assembly_id))

    # --- the PV cycle --------------------------------------------------------------------

    def approve_minutes(
        self,
        assembly_id: int,
        outcome: str,
        final: tuple[str, bytes] | None = None,
        *,
        public: bool | None = None,
    ) -> MinutesEntry:
        """Record the approval of an AG's PV (approved, or approved with changes and the
        final PDF): the PV becomes final in the archive."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            ag.approve_minutes(session, assembly, outcome, final, public=public)
            return _minutes_entry(assembly)

    def minutes_archive(self) -> list[MinutesEntry]:
        with self.ctx.db.session() as session:
            return [_minutes_entry(a) for a in ag.minutes_archive(session)]

    def minutes_file(self, assembly_id: int) -> tuple[MinutesEntry, str, bytes]:
        """The PV to download (its final version once approved): entry, type, bytes."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            stored = assembly.minutes_final or assembly.minutes
            if stored is None:
                raise NotFoundError(N_("This assembly has no minutes (PV) yet."))
            return _minutes_entry(assembly), stored.content_type, bytes(stored.data)


def _minutes_entry(assembly: Assembly) -> MinutesEntry:
    stored = assembly.minutes_final or assembly.minutes
    return MinutesEntry(
        assembly_id=assembly.id,
        title=assembly.title,
        starts_at=assembly.starts_at,
        final=bool(assembly.minutes_approval),
        approval=assembly.minutes_approval,
        approved_at=assembly.minutes_approved_at,
        public=assembly.minutes_public,
        filename=stored.filename if stored else "",
        language=versions.original_language(assembly),
        titles={
            code: str(versions.field_in(assembly, "title", code))
            for code in versions.languages(assembly)
        },
    )


def attendance_line(record: door.AttendanceRecord, lang: str) -> str:
    """ "N personnes représentant M partenaires", in the reader's language."""
    people = ngettext(lang, "{n} person", "{n} people", record.people).format(n=record.people)
    partners = ngettext(
        lang, "representing {n} partner", "representing {n} partners", record.organisations
    ).format(n=record.organisations)
    return f"{people} {partners}"


PROXY_LIMIT = N_("The number of proxies one organisation may hold is 0 to 10.")


def _proxy_limit(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 0 <= int(text) <= 10:
        raise ValidationError(PROXY_LIMIT).on("proxy_limit")
    return int(text)


def _check_reminder(assembly: Assembly, at: datetime) -> None:
    """A planned reminder has a time zone and goes before the assembly."""
    if at.tzinfo is None:
        raise ValidationError(N_("Assembly times need a time zone."))
    if at >= assembly.starts_at:
        raise ValidationError(N_("The reminder must go before the assembly."))
