"""Benchmark: the issue composer page with many subscribers and lists (in-process).

    uv run python bench/composer.py [--requests 50] [--subscribers 2000] [--lists 10]

The lists of ``lists/`` plus extra ones up to ``--lists`` (groups and languages), N
subscribers spread over organisations, groups and languages, one draft issue sent to two
lists. Prints the median and 95th percentile of the composer page, in milliseconds.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import warnings
from functools import partial
from pathlib import Path

import httpx
from _app import fresh_settings, log_in
from _timing import timed

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--lists", type=int, default=10)
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
    client = TestClient(create_app(ctx, service), follow_redirects=False)
    log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    url = f"/console/issues/{issue.id}"
    assert client.get(url).status_code == 200
    took = timed(partial(client.get, url), args.requests, ok)
    print(f"{args.subscribers} subscribers, {len(infos)} lists, {args.requests} requests")
    print(f"issue composer   median {took.median:7.1f} ms   p95 {took.p95:7.1f} ms")
    ctx.close()


if __name__ == "__main__":
    main()
