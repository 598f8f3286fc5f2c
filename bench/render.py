"""Render cost of an issue: whole render (Jinja2 + premailer) and per-recipient splice.

    uv run python bench/render.py [--items 25] [--recipients 20000]

Targets: whole-issue render with premailer under 500 ms for 25 items (one variant);
every variant (language × membership × edition) prepared in under 100 ms; per-recipient
work under 50 µs: the splice alone, and what a send does per recipient (the message
factory of ``delivery.messages``: signed links, variant look-up, splice, envelope sender).

Times are CPU time of this process (``time.process_time``) unless said otherwise, so that
a busy machine (other processes taking the cores) does not inflate them; per-recipient
figures are the median and the best of batches of 1,000.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.config import Settings  # noqa: E402
from newsletter.context import open_context  # noqa: E402
from newsletter.delivery.messages import IssueMessages  # noqa: E402
from newsletter.delivery.outbox import Claimed  # noqa: E402
from newsletter.i18n import LANGUAGES  # noqa: E402
from newsletter.message_ids import message_id  # noqa: E402
from newsletter.models import Language, Membership  # noqa: E402
from newsletter.render import personalization_for, prepare_issue  # noqa: E402
from newsletter.render.prepare import (  # noqa: E402
    PreparedIssue,
    PreparedVariant,
    render_variant,
)
from newsletter.store.editorial import Issue  # noqa: E402
from tests.content.sample import build_sample  # noqa: E402

clock = time.process_time


def per_recipient(work: Callable[[int], object], count: int, batch: int = 1000) -> list[float]:
    """CPU seconds per call of ``work(n)`` for n in range(count), one figure per batch."""
    figures = []
    for offset in range(0, count, batch):
        stop = min(count, offset + batch)
        start = clock()
        for n in range(offset, stop):
            work(n)
        figures.append((clock() - start) / (stop - offset))
    return figures


def spread(figures: list[float]) -> str:
    return f"median {statistics.median(figures) * 1e6:.1f} µs, best {min(figures) * 1e6:.1f} µs"


def prepare_all(prepared: PreparedIssue) -> list[tuple[PreparedVariant, float]]:
    """Every variant prepared the first time, with its CPU time."""
    out = []
    for lang, kind in ((lang, kind) for lang in LANGUAGES for kind in KINDS):
        start = clock()
        variant = prepared.variant(lang, kind)
        out.append((variant, clock() - start))
    return out


def variant_line(label: str, timed: list[tuple[PreparedVariant, float]]) -> str:
    return (
        f"{label}: "
        + ", ".join(f"{v.language}/{v.block} {t * 1000:.0f} ms" for v, t in timed)
        + f"; slowest {max(t for _, t in timed) * 1000:.0f} ms  target < 100 ms each"
    )


KINDS = ("effectif", "adherent", "none")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--recipients", type=int, default=20000)
    args = parser.parse_args()
    # the render modules load on first use (a sending process never needs them): loaded
    # here, and timed apart, so the figures below are the render's own
    start = clock()
    for name in ("model", "templating", "inline"):
        import_module(f"newsletter.render.{name}")
    imports = clock() - start
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
        start = clock()
        prepared = prepare_issue(session, settings, issue_id)
        load = clock() - start
    items = prepared.view.item_count

    start = clock()
    render_variant(settings, prepared.view, "fr", "effectif")  # cold: compile, catalogues, CSS
    cold_render = clock() - start
    timings = []
    for _ in range(7):
        start = clock()
        rendered = render_variant(settings, prepared.view, "fr", "effectif")
        timings.append(clock() - start)
    variants = prepare_all(prepared)

    count = args.recipients
    people = [
        personalization_for(
            settings, issue_id, n, f"reader{n}@example.net", f"Lectrice Exémple {n}"
        )
        for n in range(count)
    ]
    variant = variants[0][0]
    size = len(variant.personalize(people[0]))
    splice = per_recipient(lambda n: variant.personalize(people[n]), count)
    # readers of every language and membership kind: the variant look-up + the splice
    readers = [(LANGUAGES[n % 2], KINDS[n % 3]) for n in range(count)]
    mixed = per_recipient(lambda n: prepared.variant(*readers[n]).personalize(people[n]), count)
    # what a send does per recipient: the message factory the delivery engine calls
    # (the recipient's signed links, the variant, the splice, the VERP envelope sender)
    rows = [
        Claimed(
            id=n + 1,
            subscriber_id=n + 1,
            email=f"reader{n}@example.net",
            name=f"Lectrice Exémple {n}",
            language=Language(readers[n][0]),
            membership=Membership(readers[n][1]),
            message_id=message_id(settings, issue_id, n + 1),
            attempts=0,
        )
        for n in range(count)
    ]

    def variant_of(language: Language, membership: Membership) -> PreparedVariant:
        return prepared.variant(language.value, membership.value)

    factory = IssueMessages(settings, issue_id, variant_of)
    sending = per_recipient(lambda n: factory(rows[n]), count)
    links = per_recipient(
        lambda n: factory.personalization(rows[n], variant.rsvp_assembly_id), count
    )

    print(f"items in issue                     {items}")
    print(f"HTML size after inlining           {len(rendered.html) / 1024:.1f} KB")
    print(f"import Jinja2, premailer, the issue model {imports * 1000:.0f} ms")
    print(f"load issue + encode annexes once   {load * 1000:.1f} ms")
    print(
        f"first render in this process (Jinja2 compile + catalogues + premailer) "
        f"{cold_render * 1000:.0f} ms  target < 500 ms"
    )
    print(
        variant_line("prepare a variant, first time (Jinja2 + premailer + MIME layout)", variants)
    )
    print(
        "render again (premailer's CSS cache warm) median "
        f"{statistics.median(timings) * 1000:.1f} ms"
        f"  (min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f})"
    )
    print(
        f"personalize per recipient (the splice)       {spread(splice)} "
        f"({count} recipients, {size / 1024:.1f} KB each)  target < 50 µs"
    )
    print(
        f"variant look-up + personalize, {len(variants)} variants mixed {spread(mixed)}"
        "  target < 50 µs"
    )
    print(f"  of which the signed links of a recipient     {spread(links)}")
    print(
        f"send path per recipient (links + look-up + splice + VERP) {spread(sending)}"
        "  target < 50 µs"
    )
    # the bilingual edition: both versions in every variant (language × membership)
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
        session.flush()
        both = prepare_issue(session, settings, issue_id)
    both_variants = prepare_all(both)
    both_mixed = per_recipient(lambda n: both.variant(*readers[n]).personalize(people[n]), count)
    print(
        variant_line("bilingual edition, prepare a variant (both versions)", both_variants)
        + f"; {len(both_variants[0][0].html) / 1024:.1f} KB HTML"
    )
    print(f"bilingual edition, variant look-up + personalize {spread(both_mixed)}  target < 50 µs")
    ctx.close()


if __name__ == "__main__":
    main()
