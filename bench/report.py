"""Benchmark: the delivery report page of a 20,000-recipient send, served in-process.

    uv run python bench/report.py [--recipients 20000] [--failed 0.05] [--requests 40]
    uv run python bench/report.py --database-url postgresql+psycopg://…/bench

A fresh database (SQLite unless ``--database-url``) with N subscribers and one sent
issue whose outbox has a share ``--failed`` of failures (550 5.1.1, 552 5.2.2,
554 5.7.1, 451 4.7.1, bounces) and some unsubscribes after it. Prints the median and
the 95th percentile, in milliseconds, of the report page with each filter, of the
sending page and of ``issue status``: wall-clock time, and the CPU time of the process
(the app runs in it), which is what a page costs when the machine is shared.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _app import fresh_settings, log_in  # noqa: E402
from _timing import timed  # noqa: E402

from newsletter.context import open_context  # noqa: E402
from newsletter.delivery import outbox  # noqa: E402
from newsletter.models import DeliveryStatus as D  # noqa: E402
from newsletter.models import SubscriberStatus  # noqa: E402
from newsletter.service import Service  # noqa: E402
from newsletter.store.audience import Subscriber  # noqa: E402
from newsletter.store.delivery import Delivery, Send  # noqa: E402
from newsletter.store.editorial import Issue  # noqa: E402
from newsletter.web import create_app  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EMAIL, PASSWORD = "bench@example.org", "bench password long enough"
FAILURES = [
    (D.failed_permanent, "550 5.1.1 <{email}>: Recipient address rejected: User unknown"),
    (D.failed_permanent, "552 5.2.2 Mailbox full"),
    (D.failed_permanent, "554 5.7.1 Message refused as spam"),
    (D.failed_temporary, "451 4.7.1 Greylisted, please try again later"),
    (D.bounced, "5.1.1 smtp; 550 5.1.1 <{email}>... User unknown"),
]


def ok(response: httpx.Response) -> None:
    assert response.status_code == 200, response.status_code


def fill(service: Service, recipients: int, failed: float) -> int:
    now = datetime.now(UTC)
    with service.ctx.db.session() as session:
        session.execute(
            insert(Subscriber),
            [
                {"email": f"p{i}@bench.example.org", "email_key": f"p{i}@bench.example.org",
                 "name": f"Personne {i}", "groups": [], "roles": [], "bounce_count": 0,
                 "status": SubscriberStatus.active, "consent_source": "bench",
                 "status_reason": ""}
                for i in range(recipients)
            ],
        )  # fmt: skip
        issue = Issue(number=1, title="Bench")
        session.add(issue)
        session.flush()
        send = Send(issue_id=issue.id, lists=["public"], snapshot_complete=True, total=recipients)
        session.add(send)
        session.flush()
        ids = list(session.scalars(select(Subscriber.id).order_by(Subscriber.id)))
        every = max(1, round(1 / failed)) if failed else 0
        rows = []
        for n, subscriber_id in enumerate(ids):
            email = f"p{n}@bench.example.org"
            status, reply = D.sent, "250 2.0.0 Ok: queued"
            if every and n % every == 0:
                status, reply = FAILURES[(n // every) % len(FAILURES)]
                reply = reply.format(email=email)
            rows.append(
                {"send_id": send.id, "issue_id": issue.id, "subscriber_id": subscriber_id,
                 "email": email, "name": "", "status": status, "attempts": 1,
                 "last_reply": reply, "message_id": f"<{n}@bench>", "claimed_at": now,
                 "sent_at": now if status is D.sent else None, "created_at": now,
                 "updated_at": now}
            )  # fmt: skip
        for start in range(0, len(rows), 2000):
            session.execute(insert(Delivery), rows[start : start + 2000])
        # one in two hundred unsubscribed after the issue
        session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(ids[1::200]))
            .values(
                status=SubscriberStatus.unsubscribed, status_changed_at=now + timedelta(hours=1)
            )
        )
        issue_id = issue.id
    with service.ctx.db.session() as session:
        counts = outbox.counts(session, send.id)
    print("outbox:", {k.value: v for k, v in counts.items() if v})
    return issue_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--failed", type=float, default=0.05)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    settings = fresh_settings(args.database_url)
    ctx = open_context(settings)
    service = Service(ctx)
    issue_id = fill(service, args.recipients, args.failed)
    service.accounts.create(EMAIL, PASSWORD, name="Bench")
    client = TestClient(create_app(ctx, service), follow_redirects=False)
    log_in(client, EMAIL, PASSWORD)
    report = f"/console/issues/{issue_id}/report"
    pages = {
        "report (default)": report,
        "report ?status=problems": f"{report}?status=problems",
        "report ?reason=unknown_address": f"{report}?reason=unknown_address",
        "report ?status=sent&page=200": f"{report}?status=sent&page=200",
        "sending page": f"/console/issues/{issue_id}/sending",
        "dashboard (for comparison)": "/console/",
    }
    print(f"{args.recipients} recipients, {args.failed:.0%} failed, {args.requests} requests")
    for name, url in pages.items():
        client.get(url)  # warm
        took = timed(partial(client.get, url), args.requests, ok)
        print(
            f"{name:32} wall median {took.median:6.1f} p95 {took.p95:6.1f} ms · "
            f"CPU median {took.cpu_median:6.1f} p95 {took.cpu_p95:6.1f} ms"
        )
    start = time.perf_counter()
    for _ in range(args.requests):
        service.delivery.status(issue_id)
    mean = (time.perf_counter() - start) * 1000 / args.requests
    print(f"{'issue status (service)':32} wall mean   {mean:6.1f} ms")
    ctx.close()


if __name__ == "__main__":
    main()
