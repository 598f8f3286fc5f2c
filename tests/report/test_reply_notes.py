"""What the sender adds to a delivery's reply (gave up after N attempts, no reply from
the server, left before delivery, cancelled) is stored as a message id and parameters,
beside the server's reply kept as received, and read in each door's language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from newsletter.delivery import notes
from newsletter.delivery.retry import RetryPolicy
from newsletter.models import DeliveryStatus as D
from newsletter.report.reasons import Reason, reason_of
from newsletter.service import Service
from newsletter.store.db import alembic_config
from newsletter.store.delivery import Delivery
from tests.delivery.helpers import add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import Faults, RecordingServer
from tests.delivery.test_render_failure import _smtp
from tests.support.cli import Cli
from tests.support.delivery import deliver
from tests.support.ports import free_port
from tests.web.conftest import Browser

GIVE_UP_AT_ONCE = RetryPolicy(max_age=timedelta(0))


def _run(service: Service, issue_id: int, port: int) -> None:
    deliver(
        service,
        issue_id,
        _smtp(service.ctx.settings, port),
        policy=GIVE_UP_AT_ONCE,
        factory=template_factory(service.ctx.settings, issue_id),
    )


def _stored(service: Service, issue_id: int) -> dict[str, tuple[str, str, str, object]]:
    with service.ctx.db.session() as session:
        rows = session.execute(
            select(Delivery.email, Delivery.status, Delivery.last_reply, Delivery.reply_note,
                   Delivery.reply_note_params).where(Delivery.issue_id == issue_id)
        ).all()  # fmt: skip
    return {email: (D(status).value, reply, note, params) for email, status, reply, note, params
            in rows}  # fmt: skip


def test_a_refusal_for_now_that_lasts_is_given_up_in_each_language(
    service: Service, cli: Cli, console: Browser
) -> None:
    people = add_subscribers(service.ctx, 3)
    issue_id = add_issue(service.ctx)
    service.delivery.start_send(issue_id, ["public"])
    later = people[0].email
    with RecordingServer(Faults(temp_first={later})) as server:
        _run(service, issue_id, server.port)
    status, reply, note, params = _stored(service, issue_id)[later]
    assert (status, note, params) == ("failed_permanent", notes.GAVE_UP, {"attempts": 1})
    assert reply.startswith("4") and "gave up" not in reply  # the server's reply alone
    assert reason_of(status, reply, note) is Reason.gave_up
    [row] = [r for r in service.reports.report_rows(issue_id) if r.email == later]
    assert row.reply_text("fr") == f"abandon après 1 tentatives : {reply}"
    assert row.reply_text("nl") == f"opgegeven na 1 pogingen: {reply}"
    document = cli("issue", "report", str(issue_id), "--json").json()
    [entry] = [d for d in document if d["email"] == later]
    assert entry["smtp_reply"] == row.reply_text("fr") and entry["reason_code"] == "gave_up"
    dutch = cli("issue", "report", str(issue_id), "--json", "--lang", "nl").json()
    assert [d["smtp_reply"] for d in dutch if d["email"] == later] == [row.reply_text("nl")]
    [delivered] = [d for d in service.delivery.deliveries(issue_id) if d.email == later]
    assert delivered.last_reply == reply and delivered.reply_text("nl") == row.reply_text("nl")
    console.get("/lang/nl")
    page = console.get(f"/console/issues/{issue_id}/report").text
    assert "opgegeven na 1 pogingen" in page and "gave up" not in page
    csv = console.get(f"/console/issues/{issue_id}/report.csv").content.decode("utf-8-sig")
    assert "opgegeven na 1 pogingen" in csv


def test_a_relay_that_does_not_answer_is_noted_not_quoted(service: Service) -> None:
    add_subscribers(service.ctx, 2)
    issue_id = add_issue(service.ctx)
    service.delivery.start_send(issue_id, ["public"])
    _run(service, issue_id, free_port())  # nothing listens there
    for status, reply, note, params in _stored(service, issue_id).values():
        assert (status, note, params) == ("failed_permanent", notes.GAVE_UP, {"attempts": 1})
        assert "connection error" not in reply and not reply[:1].isdigit()
        assert reason_of(status, reply, note) is Reason.unreachable
    rows = list(service.reports.report_rows(issue_id))
    assert {r.reason for r in rows} == {Reason.unreachable}
    assert all(r.reply_text("nl").startswith("opgegeven na 1 pogingen: ") for r in rows)


def test_unsubscribed_and_cancelled_rows_carry_a_note_and_no_reply(
    service: Service, cli: Cli
) -> None:
    people = add_subscribers(service.ctx, 4)
    issue_id = add_issue(service.ctx)
    service.delivery.start_send(issue_id, ["public"])
    service.audience.unsubscribe(people[0].email)
    with RecordingServer(Faults(temp_first={people[1].email})) as server:
        deliver(
            service,
            issue_id,
            _smtp(service.ctx.settings, server.port),
            factory=template_factory(service.ctx.settings, issue_id),
        )
    assert service.delivery.cancel(issue_id) == 1  # the one waiting for its retry
    stored = _stored(service, issue_id)
    assert stored[people[0].email] == ("skipped", "", notes.UNSUBSCRIBED, None)
    assert stored[people[1].email][0::2] == ("skipped", notes.CANCELLED)
    document = cli("issue", "report", str(issue_id), "--json").json()
    replies = {d["email"]: d["smtp_reply"] for d in document}
    assert replies[people[0].email] == "désabonné avant l'envoi"
    assert replies[people[1].email].startswith("annulé avant l'envoi : 4")
    dutch = {d["email"]: d["smtp_reply"] for d in
             cli("issue", "report", str(issue_id), "--json", "--lang", "nl").json()}  # fmt: skip
    assert dutch[people[0].email] == "uitgeschreven vóór de verzending"


def test_the_migration_turns_our_old_texts_into_notes_and_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    old = {
        1: ("failed_permanent", "gave up after 4 attempts: 451 4.7.1 Greylisted"),
        2: ("failed_permanent", "gave up after 2 attempts: connection error: Connect failed"),
        3: ("failed_temporary", "connection error: timed out"),
        4: ("skipped", "unsubscribed before delivery"),
        5: ("skipped", "cancelled before delivery"),
        6: ("failed_permanent", "RenderError"),
        7: ("sent", "250 stored 1700000000.M1P2Q3.host"),
        8: ("failed_permanent", "550 5.1.1 <a@example.org>: unknown user"),
        9: ("sent", "250 2.0.0 Ok: queued as ABC"),
    }
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0016_departed_clicks")
        connection.execute(text(
            "INSERT INTO sends (id, issue_id, lists, snapshot_complete, total, created_at) "
            "VALUES (1, 1, '[]', 1, 9, '2026-01-01 00:00:00')"
        ))  # fmt: skip
        for delivery_id, (status, reply) in old.items():
            connection.execute(text(
                "INSERT INTO deliveries (id, send_id, issue_id, subscriber_id, email, name, "
                "language, membership, status, attempts, last_reply, message_id, created_at, "
                "updated_at) VALUES (:id, 1, 1, :id, 'p@example.org', '', 'fr', 'none', "
                ":status, 1, :reply, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ), {"id": delivery_id, "status": status, "reply": reply})  # fmt: skip
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0017_reply_notes")
    with Session(engine) as session:
        rows = {d.id: d for d in session.scalars(select(Delivery))}
        found = {i: (d.last_reply, d.reply_note, d.reply_note_params) for i, d in rows.items()}
        shown = {i: d.note.render("fr") if d.note else "" for i, d in rows.items()}
    assert found == {
        1: ("451 4.7.1 Greylisted", notes.GAVE_UP, {"attempts": 4}),
        2: ("Connect failed", notes.GAVE_UP, {"attempts": 2}),
        3: ("timed out", notes.NO_REPLY, None),
        4: ("", notes.UNSUBSCRIBED, None),
        5: ("", notes.CANCELLED, None),
        6: ("", notes.NOT_BUILT, {"error": "RenderError"}),
        7: ("250 1700000000.M1P2Q3.host", "", None),
        8: (old[8][1], "", None),
        9: (old[9][1], "", None),
    }
    assert shown[1] == "abandon après 4 tentatives" and shown[6].endswith("(RenderError)")
    assert reason_of("failed_permanent", *found[1][:2]) is Reason.gave_up
    assert reason_of("failed_permanent", *found[2][:2]) is Reason.unreachable
    assert reason_of("failed_permanent", *found[6][:2]) is Reason.not_built
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0016_departed_clicks")
        found_back = connection.execute(text("SELECT id, last_reply FROM deliveries")).all()
        back = {int(row[0]): str(row[1]) for row in found_back}
    same = [i for i in old if i not in (2, 7)]  # those two come back a little shorter
    assert {i: back[i] for i in same} == {i: old[i][1] for i in same}
    assert (back[2], back[7]) == ("gave up after 2 attempts: Connect failed",
                                  "250 1700000000.M1P2Q3.host")  # fmt: skip
    engine.dispose()
