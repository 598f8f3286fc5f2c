"""AG invitations and reminders: one path for console, CLI and scheduler; a reminder
reaches only the organisations that have not answered, each reader in their language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from newsletter import schedule
from newsletter.errors import ValidationError
from newsletter.models import IssueStatus, RsvpChoice
from newsletter.service import Service
from newsletter.store.editorial import Issue
from tests.support.delivery import deliver
from tests.web.smtp import SmtpServer


def _send_invitation(service: Service, assembly_id: int) -> int:
    issue_id = service.assemblies.invitation(assembly_id)
    assert service.assemblies.invitation(assembly_id) == issue_id  # made once
    service.delivery.start_send(issue_id, ["membres"])
    deliver(service, issue_id)
    return issue_id


def test_reminder_now_reaches_only_the_organisations_without_an_answer(
    mailing_service: Service, smtp: SmtpServer, people: dict[str, int], assembly_id: int
) -> None:
    service = mailing_service
    with pytest.raises(ValidationError):  # nothing to remind of before the invitation
        service.assemblies.remind(assembly_id, now=True)
    _send_invitation(service, assembly_id)
    invited = {r for m in smtp.recorder.messages for r in m.recipients}
    assert invited == {
        "accueil@maison.example.org", "social@maison.example.org",
        "onthaal@buurthuis.example.org", "direction@centre.example.org",
        "atelier@atelier.example.org",
    }  # fmt: skip
    service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes)
    service.rsvp.answer_for(assembly_id, "atelier@atelier.example.org", RsvpChoice.no)
    smtp.recorder.messages.clear()
    result = service.assemblies.remind(assembly_id, now=True)
    assert result.issue_id is not None and result.recipients == 2
    deliver(service, result.issue_id)
    received = {r: m for m in smtp.recorder.wait_for(2) for r in m.recipients}
    assert set(received) == {"onthaal@buurthuis.example.org", "direction@centre.example.org"}
    dutch = received["onthaal@buurthuis.example.org"].message
    french = received["direction@centre.example.org"].message
    # each reader's version of the reminder's title; the AG has no Dutch title: its French one
    assert dutch["Subject"] == "Herinnering: AG de printemps"
    assert french["Subject"].startswith("Rappel")
    dutch_text = dutch.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    french_text = french.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "ALGEMENE VERGADERING" in dutch_text and "volmacht" in dutch_text
    assert "ASSEMBLÉE GÉNÉRALE" in french_text and "procuration" in french_text
    assert "/rsvp/" in dutch_text
    # once everybody answered, there is nobody left to remind
    for address in ("onthaal@buurthuis.example.org", "direction@centre.example.org"):
        service.rsvp.answer_for(assembly_id, address, RsvpChoice.no)
    with pytest.raises(ValidationError) as nobody:
        service.assemblies.remind(assembly_id, now=True)
    assert "personne" in nobody.value.localized("fr")


async def test_the_planned_reminder_is_a_scheduled_job_that_goes_once(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    invitation = service.assemblies.invitation(assembly_id)
    assert service.assemblies.reminders_due() == []  # invitation not sent yet
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        service.delivery.start_send(invitation, ["membres"])
        schedule.sync_jobs(scheduler, service)
        job = scheduler.get_job(schedule.reminder_job_id(assembly_id))
        assert job is not None
        starts = service.editorial.get_assembly(assembly_id).starts_at
        days = service.ctx.settings.assembly_reminder_days
        expected = starts - timedelta(days=days)
        assert abs((job.next_run_time - expected).total_seconds()) < 1
        # the coordinator plans it at another time
        at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        assert service.assemblies.remind(assembly_id, at=at).planned_at == at
        schedule.sync_jobs(scheduler, service)
        job = scheduler.get_job(schedule.reminder_job_id(assembly_id))
        assert job is not None and job.next_run_time == at
    finally:
        scheduler.shutdown(wait=False)
    service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes)
    schedule._SERVICES[schedule.JOBS_TABLE] = service
    schedule.run_assembly_reminder(assembly_id)  # what the job does when its time comes
    with service.ctx.db.session() as session:
        reminders = session.scalars(
            select(Issue).where(Issue.assembly_id == assembly_id, Issue.id != invitation)
        ).all()
        assert len(reminders) == 1
        assert reminders[0].status is IssueStatus.sending
        assert reminders[0].title.startswith("Rappel") and not reminders[0].public
        reminder_id = reminders[0].id
    assert service.delivery.status(reminder_id).total == 3  # Maison answered
    assert service.assemblies.run_planned_reminder(assembly_id) is None  # only once
    assert service.assemblies.reminders_due() == []
