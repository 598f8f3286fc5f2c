"""Benchmark: the issue composer page with many subscribers and lists (in-process).

    uv run python bench/composer.py [--requests 50] [--subscribers 2000] [--lists 10]
                                    [--items 0] [--warmup 5]

The lists of ``lists/`` plus extra ones up to ``--lists`` (groups and languages), N
subscribers spread over organisations, groups and languages, one draft issue sent to two
lists (with ``--items`` more approved news items in it). The first request (it compiles
the templates) and ``--warmup`` more are timed apart and left out of the figures. Then
the page of the unchanged issue, and the page after an edit of the issue each time (the
edit itself not timed: the preview check, kept per revision of the issue, is made again).
Prints the median and 95th percentile of the wall time and of this process's CPU time
(``time.process_time``: the page and the in-process client), in milliseconds, and the
load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import warnings
from functools import partial
from itertools import count
from pathlib import Path

import httpx
from _app import fresh_settings, log_in
from _timing import Timing, timed

from newsletter.context import open_context
from newsletter.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from newsletter.service import Service
from newsletter.web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("logement", "sante-mentale", "aide-alimentaire", "emploi", "jeunesse")


def ok(response: httpx.Response) -> None:
    assert response.status_code == 200, response.status_code


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def line(name: str, took: Timing) -> str:
    return (
        f"{name:<28} wall median {took.median:7.1f} ms  p95 {took.p95:7.1f} ms   "
        f"cpu median {took.cpu_median:6.1f} ms  p95 {took.cpu_p95:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--lists", type=int, default=10)
    parser.add_argument("--items", type=int, default=0, help="more news items in the issue")
    parser.add_argument("--warmup", type=int, default=5, help="requests left out, after the first")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    lists = folder / "lists"
    shutil.copytree(ROOT / "lists", lists)
    extra = args.lists - len(list(lists.glob("*.yaml")))
    for n in range(max(0, extra)):
        group = GROUPS[n % len(GROUPS)]
        (lists / f"groupe-{n}.yaml").write_text(
            f"title: {{fr: Groupe {n}, nl: Groep {n}}}\nmatch:\n  groups: [{group}]\n"
            f"  language: {'fr' if n % 2 else 'nl'}\n",
            encoding="utf-8",
        )
    settings = fresh_settings(lists_dir=lists)
    ctx = open_context(settings)
    service = Service(ctx)
    load_demo(service)
    rows = ["organisation;nom;email;statut;groupes;langue"] + [
        f"Organisation {i // 4};Personne {i};p{i}@bench.example.org;"
        f"{('effectif', 'adherent')[i % 2]};{GROUPS[i % len(GROUPS)]};{('fr', 'nl')[i % 3 == 0]}"
        for i in range(args.subscribers)
    ]
    service.audience.import_members("\n".join(rows).encode(), "bench.csv")
    infos, errors = service.audience.lists()
    assert not errors, errors
    issue = service.editorial.draft_issue(title="Bench", lists=["membres", "public"])
    for n in range(args.items):
        item = service.editorial.submit_news(
            title=f"Nouvelle numéro {n}", body="Un paragraphe d'exemple. " * 20,
            organisation=f"Organisation {n}", category=settings.categories[n % 3],
        )  # fmt: skip
        service.moderation.moderate(item.id, "approve", by=DEMO_EMAIL)
        service.editorial.add_issue_item(issue.id, item.id)
    client = TestClient(create_app(ctx, service), follow_redirects=False)
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    url = f"/console/issues/{issue.id}"
    print(f"load average before: {load()}")
    start, start_cpu = time.perf_counter(), time.process_time()
    ok(client.get(url))
    first = (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000
    warm = timed(partial(client.get, url), args.warmup, ok) if args.warmup else None
    unchanged = timed(partial(client.get, url), args.requests, ok)
    numbers = count()

    def edit() -> None:
        service.editorial.edit_issue(issue.id, introduction=f"Introduction {next(numbers)}")

    edited = timed(partial(client.get, url), args.requests, ok, before=edit)
    entries = len(service.console.issue_detail(issue.id).entries)
    print(f"{args.subscribers} subscribers, {len(infos)} lists, {entries} news items in the "
          f"issue, {args.requests} requests per figure")  # fmt: skip
    print(f"first request (compiles the templates): wall {first[0]:.1f} ms, cpu {first[1]:.1f} ms;"
          f" {args.warmup} more warm-up requests left out"
          + (f" (their wall median {warm.median:.1f} ms)" if warm else ""))  # fmt: skip
    print(line("issue composer", unchanged))
    print(line("issue composer after an edit", edited))
    print(f"load average after: {load()}")
    ctx.close()


if __name__ == "__main__":
    main()
