"""The delivery report a coordinator reads: a send against the recording SMTP server
whose replies are 550 5.1.1, 552 5.2.2, 554 5.7.1 and 451 4.7.1 shows each failure's
reason in French and Dutch, the counts, and makes the unknown address bounced at once."""

from __future__ import annotations

from typing import Any

from newsletter.models import DeliveryStatus as D
from newsletter.models import SubscriberStatus
from newsletter.service import Service
from tests.delivery.helpers import Rcpt, add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import Faults, RecordingHandler, RecordingServer
from tests.delivery.test_render_failure import _smtp
from tests.support.cli import Cli
from tests.support.delivery import deliver
from tests.web.conftest import Browser

REPLIES = {
    "person0@example.org": "550 5.1.1 <person0@example.org>: Recipient address rejected",
    "person1@example.org": "552 5.2.2 Mailbox full",
    "person2@example.org": "554 5.7.1 Message refused as spam",
    "person3@example.org": "451 4.7.1 Greylisted, please try again later",
}
FR = {
    "person0@example.org": "Adresse inconnue",
    "person1@example.org": "La boîte aux lettres est pleine",
    "person2@example.org": "Refusé comme spam",
    "person3@example.org": "Mis en liste grise",
}
NL = {
    "person0@example.org": "Onbekend adres",
    "person1@example.org": "De mailbox is vol",
    "person2@example.org": "Geweigerd als spam",
    "person3@example.org": "Op de grijze lijst",
}


class ReplyingHandler(RecordingHandler):
    """Refuses the addresses of ``REPLIES`` with their reply; accepts the others."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:  # fmt: skip
        if address in REPLIES:
            with self.lock:
                self.rcpt_attempts[address] += 1
            return REPLIES[address]
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def _send(service: Service, issue_id: int, people: list[Rcpt]) -> RecordingServer:
    server = RecordingServer()
    server.handler = ReplyingHandler(Faults())
    server.controller.handler = server.handler
    with server:
        deliver(
            service,
            issue_id,
            _smtp(service.ctx.settings, server.port),
            factory=template_factory(service.ctx.settings, issue_id),
        )
    return server


def _sent_issue(service: Service) -> tuple[int, list[Rcpt]]:
    people = add_subscribers(service.ctx, 6)
    issue_id = add_issue(service.ctx)
    assert service.delivery.start_send(issue_id, ["public"]) == 6
    server = _send(service, issue_id, people)
    assert sorted(server.handler.counts()) == ["person4@example.org", "person5@example.org"]
    return issue_id, people


def test_report_gives_each_failure_its_reason_in_french_and_dutch(
    service: Service, cli: Cli
) -> None:
    issue_id, people = _sent_issue(service)
    rows = {r.email: r for r in service.reports.report_rows(issue_id)}
    assert {e: r.status.value for e, r in rows.items() if e in REPLIES} == {
        "person0@example.org": "failed_permanent",
        "person1@example.org": "failed_permanent",
        "person2@example.org": "failed_permanent",
        "person3@example.org": "failed_temporary",
    }
    assert {e: r.reason for e, r in rows.items()} == {
        "person0@example.org": "unknown_address",
        "person1@example.org": "mailbox_full",
        "person2@example.org": "spam",
        "person3@example.org": "greylisted",
        "person4@example.org": None,
        "person5@example.org": None,
    }
    for email, words in FR.items():
        assert words in (rows[email].reason_text("fr") or ""), email
        assert NL[email] in (rows[email].reason_text("nl") or ""), email
        assert rows[email].smtp_reply == REPLIES[email]
    # the unknown address is bounced at once; the full mailbox and the refusal are not
    statuses = {p.email: service.audience.get_subscriber(p.subscriber_id).status for p in people}
    assert statuses["person0@example.org"] == SubscriberStatus.bounced
    assert statuses["person1@example.org"] == SubscriberStatus.active
    assert statuses["person2@example.org"] == SubscriberStatus.active

    report = service.reports.issue_report(issue_id, status="problems")
    assert (report.total, report.counts[D.sent], report.counts[D.failed_permanent],
            report.counts[D.failed_temporary], report.matching) == (6, 2, 3, 1, 4)  # fmt: skip
    assert {r.reason.value: r.count for r in report.reasons} == {
        "unknown_address": 1, "mailbox_full": 1, "spam": 1, "greylisted": 1}  # fmt: skip
    assert report.feedback.disabled == 1
    only_full = service.reports.issue_report(issue_id, reason="mailbox_full")
    assert [r.email for r in only_full.rows] == ["person1@example.org"]

    # the command line: issue report --json in both languages
    languages: list[tuple[str, dict[str, str]]] = [("fr", FR), ("nl", NL)]
    for lang, expected in languages:
        result = cli("issue", "report", str(issue_id), "--json", "--lang", lang)
        assert result.code == 0, result.err
        document = result.json()
        assert len(document) == 6
        assert set(document[0]) == {"email", "status", "reason", "reason_code", "smtp_reply",
                                    "attempts", "last_attempt"}  # fmt: skip
        by_email = {d["email"]: d for d in document}
        for email, text in expected.items():
            assert text in by_email[email]["reason"]
            assert by_email[email]["smtp_reply"] == REPLIES[email]
            assert by_email[email]["attempts"] == 1 and by_email[email]["last_attempt"]
        assert by_email["person4@example.org"]["reason"] is None


def test_status_counts_unsubscribes_and_complaints_caused_by_the_issue(
    service: Service, cli: Cli
) -> None:
    issue_id, people = _sent_issue(service)
    service.audience.unsubscribe(people[4].subscriber_id, source="one-click")
    service.audience.unsubscribe(people[5].subscriber_id, source="complaint")
    result = cli("issue", "status", str(issue_id), "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert (document["unsubscribed"], document["complaints"]) == (1, 1)
    # a later issue that reached them takes the blame for later unsubscribes
    later = add_issue(service.ctx, "Suivant")
    assert service.delivery.status(later).unsubscribed == 0


def test_console_report_filters_and_retries_the_failed_ones(
    service: Service, console: Browser
) -> None:
    issue_id, people = _sent_issue(service)
    page = console.get(f"/console/issues/{issue_id}/report?status=problems")
    assert page.status_code == 200
    for email, words in FR.items():
        assert email in page.text and words in page.text
    assert "<details><summary>" in page.text and "554 5.7.1 Message refused as spam" in page.text
    assert 'data-count="failed">3<' in page.text and 'data-count="retrying">1<' in page.text
    spam = console.get(f"/console/issues/{issue_id}/report?reason=spam")
    assert "person2@example.org" in spam.text and "person1@example.org" not in spam.text
    sent = console.get(f"/console/issues/{issue_id}/report?status=sent")
    assert "person4@example.org" in sent.text and "person0@example.org" not in sent.text
    bad = console.get(f"/console/issues/{issue_id}/report?status=nonsense")
    assert bad.status_code in (400, 422)

    console.get(f"/console/issues/{issue_id}/report")
    done = console.post(f"/console/issues/{issue_id}/report/retry")
    assert done.status_code == 303
    # the relay was fixed: the retry reaches the full mailbox and the spam refusal; the
    # bounced unknown address is skipped when claimed
    REPLIES_BACKUP = dict(REPLIES)
    try:
        REPLIES.clear()
        server = _send(service, issue_id, people)
    finally:
        REPLIES.update(REPLIES_BACKUP)
    assert "person1@example.org" in server.handler.counts()
    assert "person2@example.org" in server.handler.counts()
    assert "person0@example.org" not in server.handler.counts()
    assert "person4@example.org" not in server.handler.counts()
    status = service.delivery.status(issue_id)
    # the greylisted one waits for its retry, which is not due yet
    assert (status.sent, status.failed, status.skipped, status.retrying) == (
        4, 0, 1, 1)  # fmt: skip
