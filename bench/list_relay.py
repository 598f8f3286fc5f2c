"""Benchmark: relaying a mailing-list post against sending an issue (prints figures).

The same engine does both (snapshot into a SQLite outbox, batched claims, the aiosmtplib
pool, results written back, Postfix's ``smtp-sink`` on loopback as the server). Per size,
in a fresh database with that many members of a working group:

* *issue*: a ~20 KB prepared message (``TemplateMessage``) with per-recipient links;
* *post*: a ~20 KB post (text + PDF attachment) written to the list, approved, relayed
  by ``PostMessages`` (headers rewritten once per language, per-recipient
  ``List-Unsubscribe`` and footer).

It prints the wall rate (messages/s), the CPU per message of the whole run
(``time.process_time``) and of the message factory alone, with the load average.

    uv run python bench/list_relay.py                  # 2,000 members
    uv run python bench/list_relay.py --sizes 2000,10000 --connections 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


def the_post(size: int) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Alice Membre <alice@example.org>"
    message["To"] = ADDRESS
    message["Subject"] = "Réunion du groupe logement"
    message["Message-ID"] = "<bench-post@example.org>"
    text = ("La réunion du groupe de travail logement aura lieu jeudi. " * 40 + "\n") * max(
        1, size // 2 // 2400
    )
    message.set_content(text)
    message.add_attachment(b"%PDF-1.4\n" + b"0" * (size // 2), maintype="application",
                           subtype="pdf", filename="ordre du jour.pdf")  # fmt: skip
    return message.as_bytes()


def setup(settings: Any, count: int) -> None:
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
        session.add(Issue(id=1, number=1, title="Bench"))
    ctx.close()


def run(kind: str, count: int, connections: int, size: int) -> dict[str, float]:
    from newsletter.audience.posting import parse_posting
    from newsletter.audience.segments import Segment, iter_recipients
    from newsletter.context import open_context
    from newsletter.delivery import outbox
    from newsletter.delivery.messages import IssueMessages
    from newsletter.delivery.smtp import SmtpPool
    from newsletter.delivery.template import TemplateMessage
    from newsletter.delivery.worker import Worker
    from newsletter.editorial.issue_status import transition_issue
    from newsletter.intake.mail.source import RawMessage
    from newsletter.mailinglist.posts import take_post
    from newsletter.mailinglist.relay import PostMessages
    from newsletter.models import IssueStatus, Language, Membership
    from newsletter.store.delivery import Send
    from newsletter.store.editorial import Issue
    from newsletter.store.mailinglist import ListPost

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix=f"bench-list-{kind}-"))
    os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    settings = bench_settings(folder, port, connections, 1000)
    setup(settings, count)
    sink = start_sink(port)
    ctx = open_context(settings, migrate=False)
    posting = parse_posting({"address": ADDRESS, "moderation": "none", "who": "anyone"})
    segment = Segment(id=LIST, title={"fr": "GT Logement", "nl": "WG Huisvesting"},
                      match={"groups": frozenset({LIST})}, posting=posting)  # fmt: skip
    segments = {LIST: segment}
    try:
        factory: Any
        with ctx.db.session() as session:
            if kind == "issue":
                stream = iter_recipients(session, segments, [LIST])
                send = outbox.snapshot(session, settings, 1, [LIST], stream)
                issue = session.get(Issue, 1)
                assert issue is not None
                transition_issue(issue, IssueStatus.sending)
                message = TemplateMessage(template(size))
                factory = IssueMessages(settings, 1, lambda language, membership: message)
            else:
                from email import message_from_bytes

                raw = the_post(size)
                post, _new = take_post(
                    session,
                    settings,
                    segments,
                    LIST,
                    RawMessage(raw, len(raw), False),
                    message_from_bytes(raw),
                )
                send = session.query(Send).filter_by(post_id=post.id).one()
                session.flush()
                stored = session.get(ListPost, post.id)
                assert stored is not None
                session.expunge(stored)
                factory = PostMessages(settings, segment, stored, raw)
            send_id, total = send.id, send.total
        row = outbox.Claimed(1, 1, "a@example.net", "A", Language.fr, Membership.none,
                             "<x@example.org>", 1)  # fmt: skip
        sample = factory(row)[0]
        began_factory = time.process_time()
        for _ in range(2000):
            factory(row)
        factory_us = (time.process_time() - began_factory) / 2000 * 1e6

        async def go() -> float:
            pool = SmtpPool.from_settings(settings)
            worker = Worker(ctx.db, settings, pool)
            began = time.perf_counter()
            await worker.run_send(send_id, factory, asyncio.Event())
            worker.unregister()
            await pool.close()
            return time.perf_counter() - began

        cpu = time.process_time()
        wall = asyncio.run(go())
        cpu = time.process_time() - cpu
        return {"sent": total, "rate": total / wall, "cpu_us": cpu / total * 1e6,
                "factory_us": factory_us, "bytes": len(sample)}  # fmt: skip
    finally:
        ctx.close()
        sink.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--message-size", type=int, default=20 * 1024)
    args = parser.parse_args()
    ensure_postfix_tools()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for count in [int(s) for s in args.sizes.split(",")]:
        for kind in ("issue", "post"):
            f = run(kind, count, args.connections, args.message_size)
            print(f"{kind:5} {count:>6} members: {f['rate']:7.0f} msg/s, CPU {f['cpu_us']:5.0f} "
                  f"µs/msg (factory {f['factory_us']:4.0f} µs), {f['bytes'] / 1024:.0f} KB each, "
                  f"{f['sent']:.0f} sent")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
