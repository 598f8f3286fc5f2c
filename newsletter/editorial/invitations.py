"""AG invitations and reminders: the one place that builds them.

An AG's invitation is the first issue that carries its ``assembly_id`` (a draft made
for that AG alone from the console or ``assembly invite``, or a regular issue that
announces it); every later issue with that ``assembly_id`` is a reminder. A reminder
goes to the people of the organisations that have not answered yet, among the
recipients of the invitation's lists, each in their own language (the render picks
the variant per recipient). The planned reminder goes once, at ``Assembly.reminder_at``
or ASSEMBLY_REMINDER_DAYS before the AG; "remind now" may be used any time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.audience.segments import Recipient, iter_recipients, load_segments
from newsletter.config import Settings
from newsletter.editorial import issues
from newsletter.editorial import participation as part
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext
from newsletter.models import IssueStatus
from newsletter.store.audience import Subscriber
from newsletter.store.editorial import Assembly, Issue, IssueAssembly

INVITATION_TITLE = N_("Invitation: {title}")
REMINDER_TITLE = N_("Reminder: {title}")
LIVE = (IssueStatus.sending, IssueStatus.sent)


def _titles_in_other_languages(assembly: Assembly, msgid: str) -> dict[str, dict[str, str]]:
    """ "Uitnodiging: …" for the Dutch readers, with the AG's title in their version."""
    return {
        lang: {"title": gettext(lang, msgid).format(
            title=versions.field_in(assembly, "title", versions.shown_language(assembly, lang))
        )}
        for lang in LANGUAGES
        if lang != DEFAULT_LANGUAGE
    }  # fmt: skip


def invitation_of(session: Session, assembly_id: int) -> Issue | None:
    return session.scalars(
        select(Issue).where(Issue.assembly_id == assembly_id).order_by(Issue.id).limit(1)
    ).first()


def invitation_ids(session: Session) -> dict[int, int]:
    """{assembly id: its invitation issue id} for every AG that has one."""
    rows = session.execute(
        select(Issue.assembly_id, func.min(Issue.id))
        .where(Issue.assembly_id.is_not(None))
        .group_by(Issue.assembly_id)
    ).all()
    return {int(a): int(i) for a, i in rows if a is not None and i is not None}


def prepare_invitation(
    session: Session, settings: Settings, assembly: Assembly, title: str = ""
) -> Issue:
    """A members-only draft announcing this AG alone (its previous PV attached).
    An AG that already has an invitation gets that one back."""
    existing = invitation_of(session, assembly.id)
    if existing is not None:
        return existing
    given = bool(title)
    title = title or gettext(DEFAULT_LANGUAGE, INVITATION_TITLE).format(
        title=versions.field_in(assembly, "title", versions.shown_language(assembly, "fr"))
    )
    issue = issues.draft_issue(session, settings, title=title)
    if not given:
        issue.translations = _titles_in_other_languages(assembly, INVITATION_TITLE)
    for link in list(issue.items):
        issues.remove_item(session, issue, link.news_id)
    issue.assemblies.clear()
    issue.annexes.clear()
    issue.assembly_id = None
    session.flush()
    issues.add_assembly(session, issue, assembly)
    issue.public = False
    session.flush()
    return issue


def reminder_time(settings: Settings, assembly: Assembly) -> datetime | None:
    """When the planned reminder goes: the AG's own time, else REMINDER_DAYS before."""
    if assembly.reminder_at is not None:
        return assembly.reminder_at
    days = settings.assembly_reminder_days
    return assembly.starts_at - timedelta(days=days) if days > 0 else None


def reminder_wanted(session: Session, settings: Settings, assembly: Assembly) -> bool:
    """True while the planned reminder can still go: invitation out, AG to come."""
    if assembly.cancelled or assembly.reminder_sent_at is not None:
        return False
    if reminder_time(settings, assembly) is None:
        return False
    invitation = invitation_of(session, assembly.id)
    return invitation is not None and invitation.status in LIVE


def reminders_due(
    session: Session, settings: Settings, now: datetime
) -> list[tuple[int, datetime]]:
    """(assembly id, time) of every planned reminder still to send."""
    upcoming = session.scalars(
        select(Assembly).where(Assembly.starts_at > now, Assembly.cancelled.is_(False))
    )
    due = []
    for assembly in upcoming:
        at = reminder_time(settings, assembly)
        if at is not None and reminder_wanted(session, settings, assembly):
            due.append((assembly.id, at))
    return due


def reminder_recipients(
    session: Session, settings: Settings, assembly: Assembly, lists: Iterable[str]
) -> list[Recipient]:
    """The invitation's recipients whose organisation has not answered yet."""
    silent = {s.organisation_id for s in part.not_answered(part.standings(session, assembly))}
    if not silent:
        return []
    people = set(
        session.scalars(select(Subscriber.id).where(Subscriber.organisation_id.in_(silent)))
    )
    segments, _errors = load_segments(settings.lists_dir)
    return [r for r in iter_recipients(session, segments, list(lists)) if r.subscriber_id in people]


def new_reminder(session: Session, assembly: Assembly, invitation: Issue) -> Issue:
    """A members-only draft reminding of the AG, to the invitation's lists."""
    title = gettext(DEFAULT_LANGUAGE, REMINDER_TITLE).format(title=assembly.title)
    reminder = Issue(
        number=invitation.number,
        title=title,
        assembly_id=assembly.id,
        lists=list(invitation.lists),
        public=False,
        status=IssueStatus.draft,
    )
    reminder.translations = _titles_in_other_languages(assembly, REMINDER_TITLE)
    reminder.assemblies.append(IssueAssembly(assembly_id=assembly.id, position=0))
    session.add(reminder)
    session.flush()
    return reminder
