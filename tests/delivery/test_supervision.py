"""Supervision of serve's tasks: a task that fails is shown stopped and started again;
a database outage during a send under ``serve`` ends with the send completed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.delivery.maildir import MaildirTransport
from newsletter.delivery.worker import RunEnd, Worker
from newsletter.i18n import Msg
from newsletter.service import Service
from newsletter.service.supervision import (
    DELIVERY,
    RUNNING,
    STOPPED,
    HealthBoard,
    read_health,
    supervise,
)
from newsletter.web.server import serve_async
from tests.content.sample import build_sample
from tests.delivery.helpers import add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import RecordingServer
from tests.support.cli import Cli
from tests.support.ports import free_port
from tests.support.postgres import RestartableDatabase
from tests.support.sender import sender_env, sender_settings, start_issue_send


async def test_a_failing_task_is_shown_stopped_then_started_again(tmp_path: Path) -> None:
    board = HealthBoard(tmp_path)
    stop = asyncio.Event()
    runs: list[int] = []

    async def task() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise ValueError("secret@example.org must never be shown")
        await stop.wait()

    runner = asyncio.create_task(supervise("delivery", task, stop, board, first_backoff=0.3))
    while not runs:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    [state] = read_health(tmp_path)  # after the first failure, before the restart
    assert state.state == STOPPED and state.retry_at is not None
    assert "secret" not in state.message("fr") and "ValueError" in state.message("fr")
    while len(runs) < 3:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    [state] = read_health(tmp_path)
    assert state.state == RUNNING  # third run: up again
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    assert read_health(tmp_path) == []  # a stopped supervisor leaves nothing behind
    board.close()


def test_the_stopped_task_and_its_reason_in_french_and_dutch(tmp_path: Path) -> None:
    board = HealthBoard(tmp_path)
    board.set(DELIVERY, STOPPED, Msg("the database does not answer ({detail})",
                                     {"detail": "OperationalError 08006"}))  # fmt: skip
    [state] = read_health(tmp_path)
    assert state.message("fr") == (
        "Envoi des messages à l'arrêt : la base de données ne répond pas (OperationalError 08006)"
    )
    assert state.message("nl").startswith("Verzending van berichten gestopt: de database")
    board.close()
    assert read_health(tmp_path) == []


def test_issue_status_shows_a_stopped_worker(service: Service, cli: Cli) -> None:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    board = HealthBoard(service.ctx.settings.data_dir)
    board.set(DELIVERY, STOPPED, Msg("unexpected error {error} (see the log)",
                                     {"error": "ValueError"}))  # fmt: skip
    try:
        document = cli("issue", "status", str(issue_id), "--json").json()
        [worker] = document["workers"]
        assert worker["task"] == "delivery" and worker["state"] == "stopped"
        assert worker["message"] == (
            "Envoi des messages à l'arrêt : erreur inattendue ValueError (voir le journal)"
        )
        text = cli("issue", "status", str(issue_id))
        assert "Envoi des messages à l'arrêt" in text.out
    finally:
        board.close()
    assert cli("issue", "status", str(issue_id), "--json").json()["workers"] == []


async def test_serve_finishes_a_send_through_a_ten_second_database_outage(
    restartable_db: RestartableDatabase, tmp_path: Path
) -> None:
    with RecordingServer() as smtp:
        settings = sender_settings(tmp_path / "data", restartable_db.url).model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
                    "smtp_connections": 2, "send_rate": 40}
        )  # fmt: skip
        ctx = open_context(settings)
        with ctx.db.session() as session:
            issue_id = build_sample(session, settings)
        recipients = add_subscribers(ctx, 400, prefix="outage")
        service = Service(ctx)
        service.delivery.start_send(issue_id, ["public"])
        shutdown = asyncio.Event()
        server = asyncio.create_task(
            serve_async(settings, host="127.0.0.1", port=free_port(), shutdown=shutdown)
        )
        loop = asyncio.get_running_loop()
        try:
            end = loop.time() + 60
            while len(smtp.received) < 60:
                assert loop.time() < end and not server.done()
                await asyncio.sleep(0.02)
            await asyncio.to_thread(restartable_db.halt)
            await asyncio.sleep(5)
            during = [s for s in read_health(settings.data_dir) if s.task == DELIVERY]
            await asyncio.sleep(5)
            await asyncio.to_thread(restartable_db.resume)
            end = loop.time() + 90
            status = ""
            while status != "sent":
                assert loop.time() < end, "the send did not complete after the outage"
                assert not server.done()
                await asyncio.sleep(0.2)
                try:
                    status = (await asyncio.to_thread(service.delivery.status, issue_id)).status
                except Exception:  # the pool may still hold a connection to the old server
                    status = ""
        finally:
            shutdown.set()
            await asyncio.wait_for(server, timeout=60)
            ctx.close()
    received = smtp.handler.counts()
    assert set(received) == {r.email for r in recipients}  # nobody missed
    assert max(received.values()) == 1  # nobody twice: the results waited for the database
    assert [s.state for s in during] != [RUNNING], during  # the outage was shown
    assert during[0].message("fr").startswith("Envoi des messages")


def test_a_database_that_does_not_answer_is_one_line_on_the_terminal(
    cli: Cli, settings: Settings
) -> None:
    gone = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    cli.set(settings.model_copy(update={"database_url": gone}))
    result = cli("issue", "status", "1")
    assert result.code == 1
    assert result.err.startswith("Erreur : la base de données ne répond pas (OperationalError")
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_issue_send_through_a_postgresql_restart_sends_everyone_once(
    restartable_db: RestartableDatabase, tmp_path: Path
) -> None:
    import time

    settings = sender_settings(tmp_path / "data", restartable_db.url)
    with RecordingServer() as smtp:
        env = sender_env(settings, smtp.port, rate=60)
        ctx = open_context(settings)
        with ctx.db.session() as session:
            issue_id = build_sample(session, settings)
        recipients = add_subscribers(ctx, 400, prefix="restart")
        ctx.close()
        sender = start_issue_send(env, issue_id)
        deadline = time.monotonic() + 90
        while len(smtp.received) < 60:
            assert sender.poll() is None, sender.communicate()
            assert time.monotonic() < deadline, "the sender never got going"
            time.sleep(0.02)
        restartable_db.halt()  # pg_ctl restart -m fast, in two steps
        at_restart = len(smtp.received)
        restartable_db.resume()
        _out, err = sender.communicate(timeout=120)  # no hang
        received = smtp.handler.counts()
    assert sender.returncode == 0, err[-2000:]
    assert at_restart < len(recipients)  # the restart came in the middle of the send
    assert set(received) == {r.email for r in recipients}  # 0 missing
    assert max(received.values()) == 1  # 0 duplicates
    assert "Traceback" not in err


async def test_a_stop_asked_while_the_database_is_down_ends_the_run_before_it_starts(
    restartable_db: RestartableDatabase, tmp_path: Path
) -> None:
    settings = sender_settings(tmp_path / "data", restartable_db.url)
    ctx = open_context(settings)
    try:
        issue_id = add_issue(ctx)
        worker = Worker(
            ctx.db, settings, MaildirTransport(tmp_path / "maildir"), stop_drain_seconds=0.5,
            db_call_seconds=2.0,
        )  # fmt: skip
        await asyncio.to_thread(restartable_db.halt)
        stop = asyncio.Event()
        run = asyncio.create_task(worker.run_send(1, template_factory(settings, issue_id), stop))
        await asyncio.sleep(1.5)  # the run waits for the database to register
        assert not run.done()
        stop.set()
        async with asyncio.timeout(15):  # before the fix: waited for the database for ever
            result = await run
        assert result.end is RunEnd.stopped
    finally:
        await asyncio.to_thread(restartable_db.resume)
        ctx.close()
