"""The engine on the realistic issue of ``bench/send.py --cli``: the same work per
message as ``issue send`` (the shipped templates' variants spliced, the same outbox,
worker and SMTP pool), without what the command adds (its process start and imports,
its checks, the render child). Run by ``send.py --cli`` on a database set up like the
command's, so that its CPU per message is the one ``issue send``'s is compared with.

    python bench/_issue_engine.py FOLDER ISSUE_ID PORT CONNECTIONS   # prints JSON

The variants are rendered before the measured part (in this process: its peak memory
counts the renderer, which ``issue send`` keeps in a child); the snapshot of the
recipients (as ``start_send`` takes it, without its render) and the send are measured,
as the engine mode of ``send.py`` measures them. What the start made is set aside
from the garbage collector first (``gc.freeze``), as the ``newsletter`` process does.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(folder: Path, issue_id: int, port: int, connections: int) -> dict[str, Any]:
    from send import cli_env

    os.environ.update(cli_env(folder, port, connections))
    from newsletter.audience.segments import iter_recipients, load_segments
    from newsletter.config import load_settings
    from newsletter.context import open_context
    from newsletter.delivery import snapshots
    from newsletter.delivery.dkim import DkimSigner
    from newsletter.delivery.event_loop import run as run_loop
    from newsletter.delivery.messages import IssueMessages
    from newsletter.delivery.smtp import SmtpPool
    from newsletter.delivery.worker import RunEnd, Worker
    from newsletter.editorial.issue_status import transition_issue
    from newsletter.models import IssueStatus, Language, Membership
    from newsletter.service import Service
    from newsletter.store.editorial import Issue

    settings = load_settings()
    ctx = open_context(settings, migrate=False)
    service = Service(ctx)
    try:
        prepared = service.delivery.check_renderable(issue_id)  # not measured
        gc.freeze()  # what the start made, set aside from the collector as ``cli.run`` does
        started, cpu_started = time.perf_counter(), _cpu()
        with ctx.db.session() as session:  # the snapshot as start_send takes it, no render
            recipients = iter_recipients(session, load_segments(settings.lists_dir)[0], ["public"])
            taken = snapshots.snapshot(session, settings, issue_id, ["public"], recipients)
            total, send_id = taken.total, taken.id
            issue = session.get(Issue, issue_id)
            assert issue is not None
            transition_issue(issue, IssueStatus.sending)
        snapshot, cpu_snapshot = time.perf_counter() - started, _cpu() - cpu_started

        def variant(language: Language, membership: Membership) -> Any:
            return prepared.variant(language.value, membership.value)

        factory = IssueMessages(settings, issue_id, variant, DkimSigner.from_settings(settings))

        async def send() -> tuple[float, float]:
            pool = SmtpPool.from_settings(settings)
            worker = Worker(ctx.db, settings, pool)
            began, cpu_began = time.perf_counter(), _cpu()
            result = await worker.run_send(send_id, factory, asyncio.Event())
            assert result.end in (RunEnd.finished, RunEnd.busy), result
            elapsed, cpu = time.perf_counter() - began, _cpu() - cpu_began
            worker.unregister()
            await pool.close()
            return elapsed, cpu

        elapsed, cpu = run_loop(send())
        assert service.delivery.status(issue_id).sent == total
        return {"count": total, "send_s": elapsed, "cpu_s": cpu, "snapshot_s": snapshot,
                "cpu_snapshot_s": cpu_snapshot}  # fmt: skip
    finally:
        ctx.close()


if __name__ == "__main__":
    folder, issue, port, connections = sys.argv[1:5]
    print(json.dumps(run(Path(folder), int(issue), int(port), int(connections))))
