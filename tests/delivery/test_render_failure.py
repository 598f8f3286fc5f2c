"""An issue that cannot be rendered stops before the first delivery, with its reason.

Content can no longer break the rendering (its marker-like words are plain text); a
coordinator's template still can. Either way nothing goes out, the issue is never
marked sent, its items are not published, and the reason shows in ``issue status``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import Settings, SmtpSecurity
from newsletter.context import open_context
from newsletter.delivery.smtp import SmtpPool
from newsletter.editorial.news_status import transition_news
from newsletter.errors import RenderError
from newsletter.intake.news import submit_news
from newsletter.models import NewsStatus
from newsletter.service import Service
from newsletter.store.base import utcnow
from newsletter.store.editorial import Issue, NewsItem
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers
from tests.delivery.smtpd import RecordingServer
from tests.support.cli import Cli

MARKERS = "QZIFRSVPQZ\n\nQZSLOTUNSUBSCRIBEURLQZ\n\nQZENDIFQZ"


def _smtp(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                       "smtp_security": SmtpSecurity.none,
                                       "smtp_connections": 2})  # fmt: skip


def broken_templates(folder: Path) -> Path:
    """A coordinator's text template with the RSVP block marker inside a sentence."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "issue.txt").write_text(
        "{{ slot.greeting }}\nRépondez {{ slot.if_rsvp }} ici\n{{ slot.unsubscribe_url }}\n",
        encoding="utf-8",
    )
    return folder


def _sample(service: Service, count: int = 6) -> tuple[int, list[str]]:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    return issue_id, [r.email for r in add_subscribers(service.ctx, count, prefix="lecteur")]


def _rendering_in_a_child(service: Service, templates: Path | None = None) -> Service:
    """A second service on the same database that renders in a child, as ``issue send``
    does (``templates``: a TEMPLATES_DIR of its own)."""
    settings = service.ctx.settings
    if templates is not None:
        settings = settings.model_copy(update={"templates_dir": templates})
    other = Service(open_context(settings, migrate=False))
    other.delivery.render_in_child = True
    return other


def _item_statuses(service: Service, issue_id: int) -> set[NewsStatus]:
    with service.ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        return {link.news.status for link in issue.items}


def test_a_news_item_with_the_rsvp_marker_is_sent_to_everyone(cli: Cli, service: Service) -> None:
    """The former failure: the block marker in a partner's text made every delivery fail."""
    with service.ctx.db.session() as session:
        item = submit_news(session, service.ctx.settings, title="QZIFRSVPQZ titre",
                           body=MARKERS, organisation_name="ASBL QZENDIFQZ")  # fmt: skip
        transition_news(item, NewsStatus.approved)
    issue_id, emails = _sample(service)
    with RecordingServer() as server:
        cli.set(_smtp(service.ctx.settings, server.port))
        result = cli("issue", "send", str(issue_id), "--to", "public", "--yes")
    assert result.code == 0, result.err
    assert sorted(server.handler.counts()) == sorted(emails)
    status = service.delivery.status(issue_id)
    assert (status.status, status.sent, status.failed) == ("sent", 6, 0)
    for received in server.handler.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "QZIFRSVPQZ" in text and "QZSLOTUNSUBSCRIBEURLQZ" in text and "QZENDIFQZ" in text


def test_an_unrenderable_issue_is_refused_before_the_first_delivery(
    cli: Cli, service: Service, tmp_path: Path
) -> None:
    issue_id, _emails = _sample(service)
    broken = service.ctx.settings.model_copy(
        update={"templates_dir": broken_templates(tmp_path / "tpl")}
    )
    with RecordingServer() as server:
        cli.set(_smtp(broken, server.port))
        result = cli("issue", "send", str(issue_id), "--to", "public", "--yes")
        assert result.code == 1
        assert "ne peut pas être mis en page" in result.err and "if_rsvp" in result.err
        assert server.handler.received == [] and server.handler.rcpt_attempts == {}
        status = cli("issue", "status", str(issue_id), "--json").json()
        assert (status["status"], status["total"], status["sent"]) == ("draft", 0, 0)
        assert "ne peut pas être mis en page" in status["reason"]
        shown = cli("issue", "status", str(issue_id))
        assert shown.code == 0 and "mis en page" in shown.out
        assert NewsStatus.published not in _item_statuses(service, issue_id)
        # fixed template: the send goes out and the reason is gone
        cli.set(_smtp(service.ctx.settings, server.port))
        assert cli("issue", "send", str(issue_id), "--to", "public", "--yes").code == 0
    assert len(server.handler.received) == 6
    status = service.delivery.status(issue_id)
    assert status.status == "sent" and status.reason is None


def test_a_scheduled_unrenderable_issue_is_held(service: Service, tmp_path: Path) -> None:
    issue_id, _ = _sample(service)
    due = utcnow() + timedelta(hours=1)
    service.delivery.schedule(issue_id, due, ["public"])
    settings = service.ctx.settings.model_copy(
        update={"templates_dir": broken_templates(tmp_path / "tpl")}
    )
    broken = open_context(settings)
    try:
        assert Service(broken).delivery.run_scheduled(issue_id, now=due) is False
    finally:
        broken.close()
    status = service.delivery.status(issue_id)
    assert (status.status, status.total) == ("paused", 0)
    assert "ne peut pas être mis en page" in status.reason_text()


def test_a_send_whose_template_broke_meanwhile_pauses_without_sending(
    service: Service, tmp_path: Path
) -> None:
    issue_id, _ = _sample(service)
    assert service.delivery.start_send(issue_id, ["public"]) == 6
    settings = service.ctx.settings.model_copy(
        update={"templates_dir": broken_templates(tmp_path / "tpl")}
    )
    broken = open_context(settings)
    try:
        with RecordingServer() as server:
            pool = SmtpPool.from_settings(_smtp(settings, server.port))

            async def attempts() -> None:
                try:
                    stop = asyncio.Event()
                    task = asyncio.create_task(
                        Service(broken).delivery.run_worker(stop, pool, idle_seconds=0.05)
                    )
                    await asyncio.sleep(0.5)
                    stop.set()
                    await task
                    assert service.delivery.status(issue_id).status == "paused"
                    service.delivery.resume(issue_id)
                    with pytest.raises(RenderError):
                        await Service(broken).delivery.run(issue_id, pool, asyncio.Event())
                finally:
                    await pool.close()

            asyncio.run(attempts())
            assert server.handler.received == []
    finally:
        broken.close()
    status = service.delivery.status(issue_id)
    assert (status.status, status.sent, status.failed, status.queued) == (
        "paused", 0, 0, 6,
    )  # fmt: skip
    assert "ne peut pas être mis en page" in status.reason_text()
    with service.ctx.db.session() as session:
        assert {n.status for n in session.query(NewsItem)} != {NewsStatus.published}


def test_a_render_failure_in_the_render_child_is_the_same_refusal(
    service: Service, tmp_path: Path
) -> None:
    """``issue send`` renders in a child process: its failure is kept on the issue and
    raised in the sender as the same RenderError; nothing is queued."""
    issue_id, _emails = _sample(service)
    sender = _rendering_in_a_child(service, broken_templates(tmp_path / "tpl"))
    try:
        with pytest.raises(RenderError) as refused:
            sender.delivery.start_send(issue_id, ["public"])
        assert "if_rsvp" in refused.value.localized("fr")
        status = service.delivery.status(issue_id)
        assert (status.status, status.total) == ("draft", 0)
        assert status.reason is not None
        assert "ne peut pas être mis en page" in status.reason.render("fr")
        # the child's variants are what the sender splices
        fixed = _rendering_in_a_child(service)
        assert fixed.delivery.start_send(issue_id, ["public"]) == 6
        variants = fixed.delivery.rendered(issue_id)
        assert variants is not None and type(variants).__name__ == "RenderedVariants"
        fixed.ctx.close()
    finally:
        sender.ctx.close()


def test_the_render_child_answers_alike_forked_or_spawned(service: Service) -> None:
    import pickle

    from newsletter.service import variants

    issue_id, _emails = _sample(service)
    request = pickle.dumps((service.ctx.settings, issue_id, variants.wanted(None)))
    forked = variants._forked(request)
    spawned = variants._spawned(request, issue_id)
    # a frame per variant as it is rendered, readers of no member organisation first
    assert [kind for kind, _value in forked] == [kind for kind, _value in spawned] == [
        *["variant"] * 6, "done",
    ]  # fmt: skip
    keys = [value[0] for kind, value in forked if kind == "variant"]
    assert keys == [value[0] for kind, value in spawned if kind == "variant"]
    assert keys == variants.wanted(None) and keys[:2] == [("fr", "none"), ("nl", "none")]
    for (key, variant), (_key, twin) in zip(
        (v for k, v in forked if k == "variant"), (v for k, v in spawned if k == "variant"),
        strict=True,
    ):  # fmt: skip
        assert (variant.language, variant.subject) == (twin.language, twin.subject)
        assert variant.language == key[0]
    # the parent's connections still work after the fork
    assert service.delivery.status(issue_id).status == "draft"


def _ended(child: Any) -> bool:
    """Whether a render child (spawned or forked) is gone and reaped."""
    process = getattr(child, "process", None)
    if process is not None:
        return process.returncode is not None
    if child.pid == 0:  # reaped by ``close``
        return True
    try:
        os.waitpid(child.pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_render_started_ahead_is_the_one_the_send_uses_or_ends(
    service: Service, tmp_path: Path
) -> None:
    """``issue send --yes`` starts the render child before its checks: a failure is the
    same refusal at ``start_send``; a child not used (a resumed send, a refused list)
    is ended; a good render is what the sender splices."""
    issue_id, _emails = _sample(service)
    sender = _rendering_in_a_child(service, broken_templates(tmp_path / "tpl"))
    try:
        sender.delivery.render_ahead(issue_id)
        with pytest.raises(RenderError):
            sender.delivery.start_send(issue_id, ["public"])
        assert service.delivery.status(issue_id).total == 0
    finally:
        sender.ctx.close()
    fixed = _rendering_in_a_child(service)
    try:
        fixed.delivery.render_ahead(issue_id)
        child = fixed.delivery._ahead[issue_id]._child
        fixed.delivery.drop_ahead(issue_id)  # e.g. the checks refused the lists
        assert _ended(child)
        fixed.delivery.render_ahead(issue_id)
        assert fixed.delivery.start_send(issue_id, ["public"]) == 6
        assert fixed.delivery._ahead == {}
        variants = fixed.delivery.rendered(issue_id)
        assert variants is not None and type(variants).__name__ == "RenderedVariants"
        fixed.delivery.render_ahead(issue_id)  # the send has started: nothing to render
        assert fixed.delivery._ahead == {}
    finally:
        fixed.ctx.close()


def test_a_send_waits_only_for_the_variants_its_readers_need(service: Service) -> None:
    """The snapshot says which variants its readers need; the render child is ended
    once those came (readers of no member organisation: French and Dutch)."""
    issue_id, emails = _sample(service)
    sender = _rendering_in_a_child(service)
    try:
        sender.delivery.render_ahead(issue_id)
        child = sender.delivery._ahead[issue_id]._child
        assert sender.delivery.start_send(issue_id, ["public"]) == len(emails)
        assert _ended(child)
        readers = set(sender.delivery.readers(issue_id))
        variants = sender.delivery.rendered(issue_id)
        assert variants is not None and type(variants).__name__ == "RenderedVariants"
        assert set(variants.variants) == readers  # type: ignore[union-attr]
        assert readers <= {("fr", "none"), ("nl", "none")}
    finally:
        sender.ctx.close()


def test_a_render_child_started_by_the_caller_is_adopted_or_ended(service: Service) -> None:
    """``issue send`` forks its render child before it loads the engine and hands it to
    ``render_ahead``: a new send renders with that very child; a started send ends it,
    as does a second one for the same issue."""
    from newsletter.service.variants import PendingRender

    issue_id, emails = _sample(service)
    sender = _rendering_in_a_child(service)
    try:
        early = PendingRender(sender.ctx.settings, issue_id)
        sender.delivery.render_ahead(issue_id, early)
        assert sender.delivery._ahead[issue_id] is early
        second = PendingRender(sender.ctx.settings, issue_id)
        sender.delivery.render_ahead(issue_id, second)  # one child per issue
        assert _ended(second._child) and sender.delivery._ahead[issue_id] is early
        assert sender.delivery.start_send(issue_id, ["public"]) == len(emails)
        assert _ended(early._child) and sender.delivery._ahead == {}
        variants = sender.delivery.rendered(issue_id)
        assert variants is not None and set(variants.variants) == set(  # type: ignore[union-attr]
            sender.delivery.readers(issue_id)
        )
        resumed = PendingRender(sender.ctx.settings, issue_id)
        sender.delivery.render_ahead(issue_id, resumed)  # the send has started
        assert _ended(resumed._child) and sender.delivery._ahead == {}
    finally:
        sender.ctx.close()
