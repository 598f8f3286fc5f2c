"""An issue's life: unschedule → edit → schedule again, a paused send back to draft,
duplicate (a sent issue too), several changes at once, tests to several addresses, bulk
approval; the same rules through the console and the command line."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from newsletter.errors import InvalidTransitionError, ValidationError
from newsletter.models import NewsStatus
from newsletter.service import Service
from newsletter.service.issue_life import mark_test
from newsletter.store.base import utcnow
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers
from tests.support.cli import Cli
from tests.support.delivery import deliver
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer


def _issue(service: Service, lists: list[str]) -> int:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    service.editorial.edit_issue(issue_id, lists=lists)
    return issue_id


def test_unschedule_keeps_time_and_lists_then_edit_and_schedule_again(mailing: Service) -> None:
    issue_id = _issue(mailing, ["public"])
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    mailing.delivery.schedule(issue_id, when)
    with pytest.raises(InvalidTransitionError):
        mailing.editorial.edit_issue(issue_id, title="Trop tôt")
    back = mailing.issue_life.back_to_draft(issue_id)
    assert back.status == "draft" and back.lists == ["public"]
    detail = mailing.console.issue_detail(issue_id)
    assert detail.row.scheduled_at == when  # kept, to plan again
    assert mailing.delivery.scheduled_sends() == []  # the scheduler forgets it
    mailing.editorial.edit_issue(issue_id, title="Titre corrigé")
    mailing.delivery.schedule(issue_id, when + timedelta(hours=1))
    assert mailing.delivery.status(issue_id).status == "scheduled"
    assert mailing.editorial.get_issue(issue_id).title == "Titre corrigé"
    # a draft cannot be "unscheduled"
    mailing.issue_life.back_to_draft(issue_id)
    with pytest.raises(InvalidTransitionError):
        mailing.issue_life.back_to_draft(issue_id)


def test_a_paused_send_goes_back_to_draft_only_while_nothing_went_out(
    mailing: Service, smtp: SmtpServer
) -> None:
    add_subscribers(mailing.ctx, 3)
    issue_id = _issue(mailing, ["public"])
    assert mailing.delivery.start_send(issue_id) == 3
    mailing.delivery.pause(issue_id)
    back = mailing.issue_life.back_to_draft(issue_id)
    assert back.status == "draft"
    assert mailing.delivery.status(issue_id).total == 0  # the unsent snapshot is gone
    mailing.editorial.edit_issue(issue_id, title="Après correction")
    assert mailing.delivery.start_send(issue_id) == 3
    deliver(mailing, issue_id)
    assert len(smtp.recorder.wait_for(3)) == 3
    subjects = [str(m.message["Subject"]) for m in smtp.recorder.messages]
    assert "Après correction" in subjects, subjects  # the French readers get the edit
    assert mailing.delivery.status(issue_id).status == "sent"
    with pytest.raises(InvalidTransitionError):
        mailing.issue_life.back_to_draft(issue_id)


def test_a_paused_send_that_delivered_stays(mailing: Service, smtp: SmtpServer) -> None:
    add_subscribers(mailing.ctx, 2)
    issue_id = _issue(mailing, ["public"])
    mailing.delivery.start_send(issue_id)
    deliver(mailing, issue_id)
    assert mailing.delivery.status(issue_id).sent == 2
    with pytest.raises(InvalidTransitionError):
        mailing.issue_life.back_to_draft(issue_id)


def test_duplicate_a_sent_issue_and_send_the_copy(mailing: Service, smtp: SmtpServer) -> None:
    add_subscribers(mailing.ctx, 2)
    issue_id = _issue(mailing, ["public"])
    mailing.editorial.edit_issue(issue_id, introduction="Bonjour à toutes et tous.")
    mailing.delivery.start_send(issue_id)
    deliver(mailing, issue_id)
    original = mailing.editorial.get_issue(issue_id)
    assert original.status == "sent"
    copy = mailing.issue_life.duplicate(issue_id)
    assert copy.id != issue_id and copy.number == original.number + 1
    assert copy.status == "draft"
    assert (copy.items, copy.assemblies, copy.annexes, copy.lists) == (
        original.items, original.assemblies, original.annexes, original.lists
    )  # fmt: skip
    assert copy.title == original.title
    assert mailing.console.issue_detail(copy.id).introduction == "Bonjour à toutes et tous."
    assert mailing.delivery.start_send(copy.id) == 2
    deliver(mailing, copy.id)
    assert len(smtp.recorder.wait_for(4)) == 4
    assert mailing.delivery.status(copy.id).status == "sent"


def test_edit_applies_every_change_or_none(mailing: Service) -> None:
    issue_id = _issue(mailing, ["public"])
    issue = mailing.editorial.get_issue(issue_id)
    first = issue.items[0]
    assembly = issue.assemblies[0]
    edited = mailing.issue_life.edit(
        issue_id, title="Nouveau", remove_news=[first], remove_assemblies=[assembly]
    )
    assert edited.title == "Nouveau" and first not in edited.items
    assert edited.assemblies == [] and edited.annexes == []  # the PV went with its AG
    with pytest.raises(ValidationError):
        mailing.issue_life.edit(issue_id, title="Jamais", add_news=[first], remove_news=[first])
    unchanged = mailing.editorial.get_issue(issue_id)
    assert unchanged.title == "Nouveau" and first not in unchanged.items
    again = mailing.issue_life.edit(issue_id, add_news=[first], add_assemblies=[assembly])
    assert first in again.items and again.assemblies == [assembly]
    assert again.annexes == ["PV AG septembre 2026.pdf"]


def test_test_send_to_several_addresses_marks_the_subject(
    mailing: Service, smtp: SmtpServer
) -> None:
    issue_id = _issue(mailing, ["public"])
    sent = mailing.issue_life.send_test(
        issue_id, "a@example.net, b@example.net;a@example.net", language="nl", membership="none"
    )
    assert sent == ["a@example.net", "b@example.net"]
    messages = smtp.recorder.wait_for(2)
    assert sorted(m.recipients[0] for m in messages) == ["a@example.net", "b@example.net"]
    for message in messages:
        subject = str(message.message["Subject"])
        assert subject.startswith("[TEST] ") and subject.count("[TEST]") == 1
        assert message.message["To"].addresses[0].addr_spec == message.recipients[0]
        assert message.message["Content-Language"] in (None, "nl")
    with pytest.raises(ValidationError):
        mailing.issue_life.send_test(issue_id, "pas-une-adresse")
    with pytest.raises(ValidationError):
        mailing.issue_life.send_test(issue_id, " , ")
    assert len(smtp.recorder.messages) == 2


def test_mark_test_keeps_the_rest_of_the_message() -> None:
    eml = (
        b"From: a@example.org\r\nSubject: =?utf-8?q?Lettre_d=C3=A9cembre?=\r\n"
        b" =?utf-8?q?_suite?=\r\nTo: b@example.org\r\n\r\n"
        b"Corps\r\nSubject: pas un en-t\xc3\xaate\r\n"
    )
    marked = mark_test(eml)
    head, _, body = marked.partition(b"\r\n\r\n")
    assert body == b"Corps\r\nSubject: pas un en-t\xc3\xaate\r\n"
    assert head.startswith(b"From: a@example.org\r\nSubject: ") and head.endswith(
        b"\r\nTo: b@example.org"
    )
    from email import message_from_bytes
    from email.policy import default

    assert (
        str(message_from_bytes(marked, policy=default)["Subject"]) == "[TEST] Lettre décembre suite"
    )


def test_cli_issue_life(mailing_cli: Cli, mailing: Service, smtp: SmtpServer) -> None:
    cli = mailing_cli
    issue_id = _issue(mailing, ["public"])
    when = (utcnow() + timedelta(days=3)).isoformat(timespec="minutes")
    assert cli("issue", "schedule", str(issue_id), "--at", when).code == 0
    done = cli("issue", "unschedule", str(issue_id))
    assert done.code == 0, done.err
    assert mailing.editorial.get_issue(issue_id).status == "draft"
    again = cli("issue", "unschedule", str(issue_id))
    assert again.code == 1 and str(issue_id) in again.err

    items = mailing.editorial.get_issue(issue_id).items
    edited = cli("issue", "edit", str(issue_id), "--title", "Par la ligne de commande",
                 "--remove-news", str(items[0]), "--json")  # fmt: skip
    assert edited.code == 0, edited.err
    assert edited.json()["title"] == "Par la ligne de commande"
    assert items[0] not in edited.json()["items"]
    bad = cli("issue", "edit", str(issue_id), "--add-news", "9999")
    assert bad.code == 1 and "9999" in bad.err

    copy = cli("issue", "duplicate", str(issue_id), "--json")
    assert copy.code == 0, copy.err
    new_id = copy.json()["id"]
    assert new_id != issue_id
    assert mailing.editorial.get_issue(new_id).title == "Par la ligne de commande"

    tested = cli("issue", "test", str(new_id), "--to", "x@example.net,y@example.net",
                 "--lang", "nl", "--membership", "adherent")  # fmt: skip
    assert tested.code == 0, tested.err
    assert len(smtp.recorder.wait_for(2)) == 2
    assert cli("issue", "test", str(new_id), "--to", "x@example.net", "--lang", "de").code == 2
    assert cli("issue", "test", str(new_id), "--to", "x@example.net",
               "--membership", "roi").code == 2  # fmt: skip


def test_cli_approves_several_items_or_none(mailing_cli: Cli, mailing: Service) -> None:
    ids = [mailing.editorial.submit_news(title=f"Info {n}", body="Texte.").id for n in range(3)]
    mailing.moderation.moderate(ids[2], "reject", reason="Hors sujet")
    refused = mailing_cli("news", "approve", str(ids[0]), str(ids[2]))
    assert refused.code == 1 and str(ids[2]) in refused.err
    assert mailing.editorial.get_news(ids[0]).status == "pending"  # none of them
    done = mailing_cli("news", "approve", str(ids[0]), str(ids[1]), "--json")
    assert done.code == 0, done.err
    assert [row["status"] for row in done.json()] == ["approved", "approved"]
    assert {mailing.editorial.get_news(i).status for i in ids[:2]} == {NewsStatus.approved.value}


def test_console_unschedule_duplicate_and_confirmed_cancel(
    mailing: Service, console: Browser, smtp: SmtpServer
) -> None:
    add_subscribers(mailing.ctx, 1)
    issue_id = _issue(mailing, ["public"])
    url = f"/console/issues/{issue_id}"
    when = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT09:30")
    console.get(url)
    assert console.post(f"{url}/schedule", {"at": when}).headers["location"].endswith("/sending")
    page = html.unescape(console.get(f"{url}/sending").text)
    assert "Déprogrammer et modifier" in page and "J'ai compris" in page
    back = console.post(f"{url}/draft")
    assert back.headers["location"] == url
    composer = console.get(url)
    assert "de nouveau un brouillon" in composer.text
    assert 'value="' + when[:11] in composer.text  # the planned time, to schedule again
    console.post(f"{url}/schedule", {"at": when})
    console.get(f"{url}/sending")
    unconfirmed = console.post(f"{url}/cancel", {})
    assert "Cochez la case" in console.get(unconfirmed.headers["location"]).text
    assert mailing.delivery.status(issue_id).status == "scheduled"
    console.post(f"{url}/cancel", {"confirm": "yes"})
    assert mailing.delivery.status(issue_id).status == "cancelled"
    copied = console.post(f"{url}/duplicate")
    new_url = copied.headers["location"]
    assert new_url != url
    assert "Copie créée" in console.get(new_url).text
    tested = console.post(f"{new_url}/test", {"email": "p@example.net, q@example.net",
                                               "lang": "fr", "membership": "effectif"})  # fmt: skip
    assert "p@example.net, q@example.net" in console.get(tested.headers["location"]).text
    assert len(smtp.recorder.wait_for(2)) == 2


def test_console_bulk_moderation(mailing: Service, console: Browser) -> None:
    ids = [mailing.editorial.submit_news(title=f"Info {n}", body="Texte.").id for n in range(3)]
    page = console.get("/console/news")
    assert 'name="ids"' in page.text
    chosen: dict[str, str | list[str]] = {
        "ids": [str(ids[0]), str(ids[1])],
        "action": "category",
        "category": "emploi",
    }
    moved = console.post("/console/news/bulk", chosen)
    assert moved.status_code == 303
    assert [mailing.editorial.get_news(i).category for i in ids[:2]] == ["emploi", "emploi"]
    console.get("/console/news")
    no_reason = console.post(
        "/console/news/bulk", {"ids": [str(i) for i in ids], "action": "reject"}
    )
    assert no_reason.status_code == 303
    assert {mailing.editorial.get_news(i).status for i in ids} == {"pending"}  # none of them
    console.get("/console/news")
    console.post("/console/news/bulk", {"ids": [str(ids[0]), str(ids[2])], "action": "reject",
                                        "reason": "Hors sujet"})  # fmt: skip
    assert [mailing.editorial.get_news(i).status for i in ids] == [
        "rejected",
        "pending",
        "rejected",
    ]
    console.get("/console/news")
    console.post("/console/news/bulk", {"ids": [str(ids[1])], "action": "approve"})
    assert mailing.editorial.get_news(ids[1]).status == "approved"
