"""Benchmark: relaying a mailing-list post against sending an issue, in the same run
(prints both figures and their ratio).

The same engine does both (snapshot into a SQLite outbox, batched claims, the aiosmtplib
pool, results written back). Per size, ONE database with that many members of a working
group, ONE Postfix ``smtp-sink`` on loopback and the same settings (connections, batch)
for both kinds; the kinds alternate, ``--rounds`` times each (issue, post, issue, post…),
so that a change of the machine's load falls on both:

* *issue*: a ~20 KB prepared message (``TemplateMessage``) with per-recipient links, sent
  by the worker ``issue send`` and ``serve`` use;
* *post*: a ~20 KB post (text + PDF attachment; its copies as large as the issue's)
  written to the list, approved, relayed by ``PostMessages`` (headers rewritten once
  per language, per-recipient ``List-Unsubscribe`` and footer), the relay's status
  kept by ``service.list_relays`` as in ``serve``.

Per kind it prints the median wall rate (messages/s), the CPU per message of the whole
run (``time.process_time``, which the load disturbs less) and of the message factory
alone; then post / issue for both, with the load average before and after.

    uv run python bench/list_relay.py                  # 2,000 members, 3 rounds
    uv run python bench/list_relay.py --sizes 2000,10000 --connections 8 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from send import (  # noqa: E402
    bench_settings,
    ensure_postfix_tools,
    free_port,
    start_sink,
    template,
)

LIST = "logement"
ADDRESS = "gt-logement@reseau.example"


def the_post(size: int, number: int = 1) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Alice Membre <alice@example.org>"
    message["To"] = ADDRESS
    message["Subject"] = "Réunion du groupe logement"
    message["Message-ID"] = f"<bench-post-{number}@example.org>"
    text = ("La réunion du groupe de travail logement aura lieu jeudi. " * 40 + "\n") * max(
        1, size // 2 // 2400
    )
    message.set_content(text)
    # base64 makes the PDF 4/3 larger: the copies weigh about ``size``, as the issue's
    pdf = b"%PDF-1.4\n" + b"0" * (size // 2 * 3 // 4)
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename="ordre du jour.pdf")  # fmt: skip
    return message.as_bytes()


def setup(settings: Any, count: int, rounds: int) -> None:
    from sqlalchemy import insert

    from newsletter.context import open_context
    from newsletter.models import Language, SubscriberStatus
    from newsletter.store.audience import Subscriber
    from newsletter.store.editorial import Issue

    ctx = open_context(settings)
    with ctx.db.session() as session:
        session.execute(insert(Subscriber), [
            {"email": f"membre{i}@example.net", "email_key": f"membre{i}@example.net",
             "name": f"Membre {i}", "language": Language.fr if i % 3 else Language.nl,
             "groups": [LIST], "roles": [], "status": SubscriberStatus.active,
             "bounce_count": 0, "consent_source": "bench", "status_reason": ""}
            for i in range(count)
        ])  # fmt: skip
        for number in range(1, rounds + 1):
            session.add(Issue(id=number, number=number, title=f"Bench {number}"))
    ctx.close()


class Bench:
    """One database, one sink, the same settings for every send of both kinds."""

    def __init__(self, count: int, connections: int, size: int, rounds: int) -> None:
        from newsletter.audience.posting import parse_posting
        from newsletter.audience.segments import Segment
        from newsletter.context import open_context

        self.port = free_port()
        folder = Path(tempfile.mkdtemp(prefix="bench-list-relay-"))
        os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
        self.settings = bench_settings(folder, self.port, connections, 1000)
        self.size = size
        setup(self.settings, count, rounds)
        self.ctx = open_context(self.settings, migrate=False)
        posting = parse_posting({"address": ADDRESS, "moderation": "none", "who": "anyone"})
        self.segment = Segment(id=LIST, title={"fr": "GT Logement", "nl": "WG Huisvesting"},
                               match={"groups": frozenset({LIST})}, posting=posting)  # fmt: skip
        self.segments = {LIST: self.segment}
        self.sink = start_sink(self.port)
        self.issues = 0
        self.posts = 0

    def close(self) -> None:
        self.ctx.close()
        self.sink.kill()

    def prepare(self, kind: str) -> tuple[int, int, Any]:
        """(send id, recipients, message factory) of a new send of ``kind``."""
        from email import message_from_bytes

        from newsletter.audience.segments import iter_recipients
        from newsletter.delivery import snapshots
        from newsletter.delivery.messages import IssueMessages
        from newsletter.delivery.template import TemplateMessage
        from newsletter.editorial.issue_status import transition_issue
        from newsletter.intake.mail.source import RawMessage
        from newsletter.mailinglist.posts import take_post
        from newsletter.mailinglist.relay import PostMessages
        from newsletter.models import IssueStatus
        from newsletter.store.delivery import Send
        from newsletter.store.editorial import Issue
        from newsletter.store.mailinglist import ListPost

        factory: Any
        with self.ctx.db.session() as session:
            if kind == "issue":
                self.issues += 1
                number = self.issues
                stream = iter_recipients(session, self.segments, [LIST])
                send = snapshots.snapshot(session, self.settings, number, [LIST], stream)
                issue = session.get(Issue, number)
                assert issue is not None
                transition_issue(issue, IssueStatus.sending)
                message = TemplateMessage(template(self.size))
                factory = IssueMessages(self.settings, number, lambda language, membership: message)
            else:
                self.posts += 1
                raw = the_post(self.size, self.posts)
                post, _new = take_post(session, self.settings, self.segments, LIST,
                                       RawMessage(raw, len(raw), False),
                                       message_from_bytes(raw))  # fmt: skip
                send = session.query(Send).filter_by(post_id=post.id).one()
                session.flush()
                stored = session.get(ListPost, post.id)
                assert stored is not None
                session.expunge(stored)
                factory = PostMessages(self.settings, self.segment, stored, raw)
            return send.id, send.total, factory

    def run(self, kind: str) -> dict[str, float]:
        from newsletter.delivery import outbox
        from newsletter.delivery.smtp import SmtpPool
        from newsletter.delivery.worker import Worker
        from newsletter.models import DeliveryStatus, Language, Membership
        from newsletter.service.list_relays import ListRelays

        send_id, total, factory = self.prepare(kind)
        row = outbox.Claimed(1, 1, "a@example.net", "A", Language.fr, Membership.none,
                             "<x@example.org>", 1)  # fmt: skip
        sample = factory(row)[0]
        began_factory = time.process_time()
        for _ in range(2000):
            factory(row)
        factory_us = (time.process_time() - began_factory) / 2000 * 1e6

        async def go() -> float:
            pool = SmtpPool.from_settings(self.settings)
            worker = Worker(self.ctx.db, self.settings, pool, owner=ListRelays(self.ctx))
            began = time.perf_counter()
            await worker.run_send(send_id, factory, asyncio.Event())
            worker.unregister()
            await pool.close()
            return time.perf_counter() - began

        cpu = time.process_time()
        wall = asyncio.run(go())
        cpu = time.process_time() - cpu
        with self.ctx.db.session() as session:
            sent = outbox.counts(session, send_id)
        assert sent[DeliveryStatus.sent] == total, f"{kind}: {sent}"
        return {"sent": total, "rate": total / wall, "cpu_us": cpu / total * 1e6,
                "factory_us": factory_us, "bytes": len(sample)}  # fmt: skip


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} {five:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--message-size", type=int, default=20 * 1024)
    parser.add_argument("--rounds", type=int, default=3, help="sends of each kind, alternating")
    args = parser.parse_args()
    ensure_postfix_tools()
    print(load())
    for count in [int(s) for s in args.sizes.split(",")]:
        bench = Bench(count, args.connections, args.message_size, args.rounds)
        found: dict[str, list[dict[str, float]]] = {"issue": [], "post": []}
        try:
            for _round in range(args.rounds):
                for kind in ("issue", "post"):
                    found[kind].append(bench.run(kind))
        finally:
            bench.close()
        median: dict[str, dict[str, float]] = {}
        for kind, runs in found.items():
            median[kind] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            f = median[kind]
            rates = ", ".join(f"{r['rate']:.0f}" for r in runs)
            print(f"{kind:5} {count:>6} members: {f['rate']:7.0f} msg/s (runs: {rates}), "
                  f"CPU {f['cpu_us']:5.0f} µs/msg (factory {f['factory_us']:4.0f} µs), "
                  f"{f['bytes'] / 1024:.0f} KB each, {f['sent']:.0f} sent")  # fmt: skip
        issue, post = median["issue"], median["post"]
        print(f"post / issue {count:>6} members: rate {post['rate'] / issue['rate']:.2f}, "
              f"CPU per message {post['cpu_us'] / issue['cpu_us']:.2f} "
              f"({args.connections} connections, one smtp-sink)")  # fmt: skip
    print(load())


if __name__ == "__main__":
    main()
