"""Benchmark: response times of the main pages, served in-process (no network).

    uv run python bench/web.py [--requests 50] [--subscribers 2000]

A demo network plus N extra subscribers in a fresh SQLite database; one issue composed
and sent. Prints the median and 95th percentile per page, in milliseconds, and the median
CPU time of a request (what the page costs when the machine is shared).
"""

from __future__ import annotations

import argparse
import time
import warnings

import httpx
from _app import csrf_token, fresh_settings
from _timing import timed

from newsletter import links
from newsletter.context import open_context
from newsletter.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from newsletter.service import Service
from newsletter.web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def ok(response: httpx.Response) -> None:
    assert response.status_code < 400, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=2000)
    args = parser.parse_args()
    settings = fresh_settings()
    ctx = open_context(settings)
    service = Service(ctx)
    load_demo(service)
    rows = ["organisation;nom;email;statut"] + [
        f"Organisation {i // 4};Personne {i};p{i}@bench.example.org;effectif"
        for i in range(args.subscribers)
    ]
    service.audience.import_members("\n".join(rows).encode(), "bench.csv")
    issue = service.editorial.draft_issue(title="Bench", lists=["membres"])
    subscriber = service.audience.find_subscriber("p1@bench.example.org")
    assert subscriber is not None
    client = TestClient(create_app(ctx, service), follow_redirects=False)
    token = csrf_token(client)
    start = time.perf_counter()
    client.post("/console/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD,
                                        "csrf_token": token})  # fmt: skip
    login_ms = (time.perf_counter() - start) * 1000
    issue_id = issue.id
    unsubscribe = links.unsubscribe_url(settings, subscriber.id).removeprefix("http://testserver")
    pages = {
        "login page": lambda: client.get("/console/login"),
        "dashboard": lambda: client.get("/console/"),
        "news queue": lambda: client.get("/console/news"),
        "members (search)": lambda: client.get("/console/members?q=personne 1"),
        "members (page 20, status filter)": lambda: client.get(
            "/console/members?status=active&page=20"
        ),
        "members (list filter)": lambda: client.get("/console/members?list=effectifs&q=p1"),
        "person page": lambda: client.get(f"/console/members/{subscriber.id}"),
        "issue composer": lambda: client.get(f"/console/issues/{issue_id}"),
        "issue preview (exact e-mail)": lambda: client.get(
            f"/console/issues/{issue_id}/preview.html?lang=nl"
        ),
        "unsubscribe page": lambda: client.get(unsubscribe),
        "one-click unsubscribe POST": lambda: client.post(
            unsubscribe,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "calendar feed": lambda: client.get("/feeds/agenda.ics"),
        "archive": lambda: client.get("/archive"),
    }
    print(f"{args.subscribers} extra subscribers, {args.requests} requests per page")
    print(f"{'login (argon2 check)':32} {login_ms:8.1f} ms (once)")
    for name, call in pages.items():
        took = timed(call, args.requests, ok)
        print(
            f"{name:32} median {took.median:7.1f} ms   p95 {took.p95:7.1f} ms   "
            f"CPU {took.cpu_median:7.1f} ms"
        )
    ctx.close()


if __name__ == "__main__":
    main()
