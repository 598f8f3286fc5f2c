"""Render cost of an issue: whole render (Jinja2 + premailer) and per-recipient splice.

    uv run python bench/render.py [--items 25] [--recipients 20000]

Targets: whole-issue render with premailer under 500 ms for 25 items (one variant);
per-recipient substitution under 50 µs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.config import Settings  # noqa: E402
from newsletter.context import open_context  # noqa: E402
from newsletter.i18n import LANGUAGES  # noqa: E402
from newsletter.render import personalization_for, prepare_issue  # noqa: E402
from newsletter.render.prepare import render_variant  # noqa: E402
from newsletter.store.editorial import Issue  # noqa: E402
from tests.content.sample import build_sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--recipients", type=int, default=20000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-render-"))
    settings = Settings(
        data_dir=folder,
        secret_key=SecretStr("bench-secret-key-0123456789"),
        templates_dir=ROOT / "templates",
        base_url="https://news.example.org",
    )
    ctx = open_context(settings)
    with ctx.db.session() as session:
        issue_id = build_sample(session, settings, extra_items=max(0, args.items - 3))
        start = time.perf_counter()
        prepared = prepare_issue(session, settings, issue_id)
        load = time.perf_counter() - start
    items = prepared.view.item_count

    start = time.perf_counter()
    render_variant(settings, prepared.view, "fr", "effectif")  # cold: compile, catalogues, CSS
    cold_render = time.perf_counter() - start
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        rendered = render_variant(settings, prepared.view, "fr", "effectif")
        timings.append(time.perf_counter() - start)
    cold = []
    variants = []
    kinds = ("effectif", "adherent", "none")
    for lang, kind in ((lang, kind) for lang in LANGUAGES for kind in kinds):
        start = time.perf_counter()
        variants.append(prepared.variant(lang, kind))
        cold.append(time.perf_counter() - start)

    people = [
        personalization_for(
            settings, issue_id, n, f"reader{n}@example.net", f"Lectrice Exémple {n}"
        )
        for n in range(args.recipients)
    ]
    variant = variants[0]
    size = len(variant.personalize(people[0]))
    batches = []
    batch = 1000
    cpu_start = time.process_time()
    for offset in range(0, len(people), batch):
        chunk = people[offset : offset + batch]
        start = time.perf_counter()
        for values in chunk:
            variant.personalize(values)
        batches.append((time.perf_counter() - start) / len(chunk))
    cpu = (time.process_time() - cpu_start) / len(people)
    per_recipient = statistics.median(batches)
    # readers of every language and membership kind: the variant look-up + the splice
    readers = [(LANGUAGES[n % 2], kinds[n % 3]) for n in range(len(people))]
    start = time.perf_counter()
    for values, (lang, kind) in zip(people, readers, strict=True):
        prepared.variant(lang, kind).personalize(values)
    mixed = (time.perf_counter() - start) / len(people)

    print(f"items in issue                     {items}")
    print(f"HTML size after inlining           {len(rendered.html) / 1024:.1f} KB")
    print(f"load issue + encode annexes once   {load * 1000:.1f} ms")
    print(
        f"first render in this process (Jinja2 compile + catalogues + premailer) "
        f"{cold_render * 1000:.0f} ms  target < 500 ms"
    )
    print(
        "prepare a variant, first time (Jinja2 + premailer + MIME layout): "
        + ", ".join(
            f"{v.language}/{v.block} {t * 1000:.0f} ms" for v, t in zip(variants, cold, strict=True)
        )
        + f"; all {len(variants)}: {sum(cold) * 1000:.0f} ms  target < 500 ms each"
    )
    print(
        "render again (premailer's CSS cache warm) median "
        f"{statistics.median(timings) * 1000:.1f} ms"
        f"  (min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f})"
    )
    print(
        f"personalize per recipient          median {per_recipient * 1e6:.1f} µs, best "
        f"{min(batches) * 1e6:.1f} µs (batches of {batch}, {len(people)} recipients, "
        f"{size / 1024:.1f} KB each)  target < 50 µs"
    )
    print(
        f"variant look-up + personalize, readers of {len(variants)} variants mixed "
        f"{mixed * 1e6:.1f} µs per recipient  target < 50 µs"
    )
    print(
        f"personalize per recipient, CPU time {cpu * 1e6:.1f} µs (the wall times above include "
        "waiting for a core on a busy machine)"
    )
    # the bilingual edition: both versions in every variant (language × membership)
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
        session.flush()
        both = prepare_issue(session, settings, issue_id)
    cold_both = []
    both_variants = []
    for lang, kind in ((lang, kind) for lang in ("fr", "nl") for kind in kinds):
        start = time.perf_counter()
        both_variants.append(both.variant(lang, kind))
        cold_both.append(time.perf_counter() - start)
    start = time.perf_counter()
    for values, (lang, kind) in zip(people, readers, strict=True):
        both.variant(lang, kind).personalize(values)
    mixed_both = (time.perf_counter() - start) / len(people)
    print(
        "bilingual edition, prepare a variant (both versions): "
        + ", ".join(
            f"{v.language}/{v.block} {t * 1000:.0f} ms"
            for v, t in zip(both_variants, cold_both, strict=True)
        )
        + f"; {len(both_variants[0].html) / 1024:.1f} KB HTML  target < 100 ms each"
    )
    print(
        f"bilingual edition, variant look-up + personalize {mixed_both * 1e6:.1f} µs per "
        "recipient  target < 50 µs"
    )
    ctx.close()


if __name__ == "__main__":
    main()
