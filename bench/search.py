"""Benchmark: search and filters of the news queue and of the issues.

    uv run python bench/search.py [--items 500] [--issues 100] [--requests 30]
                                  [--database-url postgresql+psycopg://…]

A fresh database (SQLite by default; an empty PostgreSQL database by URL) with N news
items of a few paragraphs and M issues. Prints the median and 95th percentile, in
milliseconds, of the service's searches and of the console pages that show them.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

from _app import fresh_settings, log_in
from _timing import timed

from newsletter.context import open_context
from newsletter.service import Service
from newsletter.service.search import IssueFilter, NewsFilter
from newsletter.web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BODY = (
    "L'association accueille les habitant·es du quartier chaque mardi. Inscription gratuite, "
    "ouverte à toutes et à tous ; café offert. Été comme hiver, l'équipe répond aux questions "
    "sur le logement, l'énergie et l'aide alimentaire.\n\n"
) * 3
WORDS = ("Élan", "Fête", "Atelier", "Permanence", "Repair café", "Bourse", "Réunion")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--issues", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    settings = fresh_settings(args.database_url, "https://news.example.org")
    ctx = open_context(settings)
    service = Service(ctx)
    for n in range(args.items):
        word = WORDS[n % len(WORDS)]
        item = service.editorial.submit_news(title=f"{word} n° {n} du quartier", body=BODY,
                                             sender=f"partenaire{n % 40}@example.org")  # fmt: skip
        if n % 4 == 0:
            service.moderation.moderate(item.id, "approve", by="bench")
    for n in range(args.issues):
        issue = service.editorial.draft_issue(title=f"{WORDS[n % len(WORDS)]} : lettre {n}")
        service.editorial.edit_issue(issue.id, introduction=BODY[:200])
    print(f"{args.items} news items, {args.issues} issues, {settings.database_url.split(':')[0]}")
    print(f"{'what':<48} {'median ms':>10} {'p95 ms':>8}")
    search = service.search
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("news: every status, page 1", lambda: search.news(NewsFilter())),
        ("news: words 'elan' (accents ignored)", lambda: search.news(NewsFilter(text="elan"))),
        ("news: 'ete logement' + pending",
         lambda: search.news(NewsFilter(text="ete logement", statuses=("pending",)))),
        ("news: a word nowhere", lambda: search.news(NewsFilter(text="zzzz"))),
        ("issues: 'fete'", lambda: search.issues(IssueFilter(text="fete"))),
        ("news list --search elan (all rows)", lambda: search.every_news(NewsFilter(text="elan"))),
    ]  # fmt: skip
    for name, call in cases:
        took = timed(call, args.requests)
        print(f"{name:<48} {took.median:>10.1f} {took.p95:>8.1f}")
    service.accounts.create("bench@example.org", "bench-password-1234", name="Bench")
    app = create_app(ctx, service)
    with TestClient(app, base_url="https://news.example.org", follow_redirects=False) as client:
        log_in(client, "bench@example.org", "bench-password-1234")
        for name, url in (
            ("page /console/news?status=all&q=elan", "/console/news?status=all&q=elan"),
            ("page /console/news (pending, page 1)", "/console/news"),
            ("page /console/issues?q=fete", "/console/issues?q=fete"),
        ):
            took = timed(partial(client.get, url), args.requests)
            print(f"{name:<48} {took.median:>10.1f} {took.p95:>8.1f}")
    ctx.close()


if __name__ == "__main__":
    main()
