"""Render cost of an issue: whole render (Jinja2 + premailer) and per-recipient splice.

    uv run python bench/render.py [--items 25] [--recipients 20000]

Targets: whole-issue render with premailer under 500 ms for 25 items (one variant);
every variant (language × membership × edition) prepared in under 100 ms; per-recipient
work under 50 µs: the splice of every variant, and what a send does per recipient (the
message factory of ``delivery.messages``: signed links, variant look-up, splice, VERP
envelope sender), which hands the transport the message as pieces. With DKIM the message
stays in pieces (the signature one more piece): the signed send path is compared with the
former one (the joined message signed, then scanned by ``wire_body``).

The issue is the project's sample (items in French and Dutch, two AGs, a PDF annex) with
more items, half of them Dutch with a French version, and items whose quoted-printable
lines start with a dot; readers have accented names, the bounce address is set (VERP
addresses are signed). Times are CPU time of this process (``time.process_time``), so
that a busy machine (other processes taking the cores) inflates them less; per-recipient
figures are the median, the 95th percentile and the best of batches of 1,000 (of 100
for the DKIM-signed ones).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.config import Settings  # noqa: E402
from newsletter.context import open_context  # noqa: E402
from newsletter.delivery.dkim import DkimSigner  # noqa: E402
from newsletter.delivery.messages import IssueMessages  # noqa: E402
from newsletter.delivery.outbox import Claimed  # noqa: E402
from newsletter.delivery.smtp import wire_body  # noqa: E402
from newsletter.editorial.news_status import transition_news  # noqa: E402
from newsletter.editorial.translate import translate_news  # noqa: E402
from newsletter.i18n import LANGUAGES  # noqa: E402
from newsletter.intake.news import submit_news  # noqa: E402
from newsletter.message_ids import message_id  # noqa: E402
from newsletter.models import Language, Membership, NewsStatus  # noqa: E402
from newsletter.render import Personalization, personalization_for, prepare_issue  # noqa: E402
from newsletter.render.contract import Spliced  # noqa: E402
from newsletter.render.prepare import (  # noqa: E402
    PreparedIssue,
    PreparedVariant,
    render_variant,
)
from newsletter.store.editorial import Issue  # noqa: E402
from tests.content.sample import build_sample  # noqa: E402

clock = time.process_time
KINDS = ("effectif", "adherent", "none")
#: sentences whose quoted-printable lines start with a dot (the splice and the wire
#: form must double those dots)
FRENCH_HOURS = "La permanence ouvre à neuf heures. Venez avec vos questions. " * 12
DUTCH_HOURS = "Het spreekuur begint om negen uur. Kom gerust langs met uw vragen. " * 12


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
    """Median, 95th percentile and best of per-batch figures, in µs."""
    p95 = statistics.quantiles(figures, n=20)[-1] if len(figures) > 1 else figures[0]
    return (
        f"median {statistics.median(figures) * 1e6:5.1f} µs, p95 {p95 * 1e6:5.1f} µs, "
        f"best {min(figures) * 1e6:5.1f} µs"
    )


def prepare_all(prepared: PreparedIssue) -> list[tuple[PreparedVariant, float]]:
    """Every variant prepared the first time, with its CPU time."""
    out = []
    for lang, kind in ((lang, kind) for lang in LANGUAGES for kind in KINDS):
        start = clock()
        variant = prepared.variant(lang, kind)
        out.append((variant, clock() - start))
    return out


def add_items(session: Session, settings: Settings, dutch: int) -> None:
    """Items of the Dutch-speaking members (with a French version) and two items whose
    quoted-printable lines start with a dot; approved, so the issue takes them."""
    items = [
        submit_news(session, settings, title=title, body=body, language=language,
                    organisation_name="Maison de quartier Exemple", category="actualite")
        for title, body, language in (
            ("Nouveaux horaires de la permanence", FRENCH_HOURS, Language.fr),
            ("Nieuwe uren van het spreekuur", DUTCH_HOURS, Language.nl),
        )
    ]  # fmt: skip
    for index in range(dutch):
        item = submit_news(
            session,
            settings,
            title=f"Nieuws nummer {index + 1}",
            body="Een alinea voorbeeldtekst met een [link](https://example.org/b). " * 6
            + "\n\n- eerste punt\n- tweede punt\n",
            language=Language.nl,
            organisation_name="Huis van het Voorbeeld",
            category=settings.categories[index % len(settings.categories)],
        )
        if index % 2 == 0:
            body = "Un paragraphe traduit, un [lien](https://example.org/b). " * 6
            translate_news(settings, item, "fr", title=f"Nouvelle numéro {index + 1}", body=body)
        items.append(item)
    for item in items:
        transition_news(item, NewsStatus.approved, actor="bench@example.org")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--recipients", type=int, default=20000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores shared)")
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
        bounce_address="bounces@example.org",
    )
    ctx = open_context(settings)
    extra = max(0, args.items - 5)  # the sample's 3 and the 2 dotted ones
    with ctx.db.session() as session:
        add_items(session, settings, dutch=extra // 2)
        issue_id = build_sample(session, settings, extra_items=extra - extra // 2)
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

    count = args.recipients
    readers = [(LANGUAGES[n % 2], KINDS[n % 3]) for n in range(count)]
    rows = [
        Claimed(
            id=n + 1,
            subscriber_id=n + 1,
            email=f"lecteur.{n}@example.net",
            name=f"Lectrice Exémple {n}" if n % 2 else f"Reader Example {n}",
            language=Language(readers[n][0]),
            membership=Membership(readers[n][1]),
            message_id=message_id(settings, issue_id, n + 1),
            attempts=0,
        )
        for n in range(count)
    ]
    print(f"items in issue {items}; HTML after inlining {len(rendered.html) / 1024:.1f} KB")
    print(f"import Jinja2, premailer, the issue model {imports * 1000:.0f} ms")
    print(f"load issue + encode annexes once   {load * 1000:.1f} ms")
    print(
        f"first render in this process (Jinja2 compile + catalogues + premailer) "
        f"{cold_render * 1000:.0f} ms  target < 500 ms"
    )
    print(
        "render again (premailer's CSS cache warm) median "
        f"{statistics.median(timings) * 1000:.1f} ms"
        f"  (min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f})"
    )
    # the benchmark's own 20,000 rows and what it built so far are set aside from garbage
    # collection (``gc.freeze``): otherwise a full collection over them (some 250 ms)
    # falls into whichever variant is prepared at that moment
    gc.collect()
    gc.freeze()
    editions = [("one language", prepared)]
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
        session.flush()
        editions.append(("bilingual", prepare_issue(session, settings, issue_id)))
    print(
        "\nper variant: prepare (Jinja2 + premailer + MIME layout, first time), message size, "
        "splice per recipient\n(targets: prepare < 100 ms, splice < 50 µs)"
    )
    for edition, issue_prepared in editions:
        for variant, took in prepare_all(issue_prepared):
            print(variant_line(settings, issue_id, edition, variant, took, rows[: count // 6]))
    print("\nper recipient, readers of every language and membership mixed (6 variants):")
    for edition, issue_prepared in editions:
        print(f"  {edition}:")
        for line in send_lines(settings, issue_id, issue_prepared, rows):
            print(f"    {line}")
    print("\nDKIM-signed (2048-bit RSA), one language, 600 readers:")
    for line in signed_lines(settings, issue_id, prepared, rows[:600], dkim_signer(folder)):
        print(f"    {line}")
    check_wire(editions, settings, issue_id)
    ctx.close()


def variant_line(settings: Settings, issue_id: int, edition: str, variant: PreparedVariant,
                 took: float, rows: list[Claimed]) -> str:  # fmt: skip
    """Prepare time, size and splice per recipient of one variant (half the readers with
    an RSVP link when the variant invites to an AG)."""
    ag = variant.rsvp_assembly_id
    people = [
        personalization_for(settings, issue_id, row.subscriber_id, row.email, row.name,
                            ag if n % 2 else None, variant.language)
        for n, row in enumerate(rows)
    ]  # fmt: skip
    size = len(variant.personalize(people[0])) / 1024
    splice = per_recipient(lambda n: variant.splice(people[n]), len(people))
    return (
        f"  {edition:12s} {variant.language}/{variant.block:8s} prepare "
        f"{took * 1000:3.0f} ms, {size:5.1f} KB, splice {spread(splice)}"
    )


def send_lines(settings: Settings, issue_id: int, prepared: PreparedIssue,
               rows: list[Claimed]) -> list[str]:  # fmt: skip
    """The message factory of a send over ``rows``, and what the transport does next."""

    def variant_of(language: Language, membership: Membership) -> PreparedVariant:
        return prepared.variant(language.value, membership.value)

    factory = IssueMessages(settings, issue_id, variant_of)
    sending = per_recipient(lambda n: factory(rows[n]), len(rows))
    links = per_recipient(lambda n: factory.personalization(rows[n], 1), len(rows))
    spliced = [m for m, _sender in map(factory, rows[:1000]) if type(m) is Spliced]
    assert len(spliced) == 1000
    wire = per_recipient(lambda n: b"".join(spliced[n].wire()), len(spliced))
    joined = [bytes(m) for m in spliced]
    scanned = per_recipient(lambda n: wire_body(joined[n]), len(joined))
    values = [factory.personalization(row, 1) for row in rows[:1000]]
    variants = [variant_of(row.language, row.membership) for row in rows[:1000]]
    personalize = per_recipient(lambda n: variants[n].personalize(values[n]), len(values))
    return [
        f"send path (links + look-up + splice + VERP)  {spread(sending)}  target < 50 µs",
        f"  of which the signed links of a recipient   {spread(links)}",
        f"then the transport: dot-stuffed pieces joined {spread(wire)}",
        f"(before: the message joined by personalize   {spread(personalize)}",
        f"  and wire_body's scan of the joined bytes   {spread(scanned)})",
    ]


def dkim_signer(folder: Path) -> DkimSigner:
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    return DkimSigner("example.org", "bench", key.read_bytes())


def signed_lines(settings: Settings, issue_id: int, prepared: PreparedIssue,
                 rows: list[Claimed], signer: DkimSigner) -> list[str]:  # fmt: skip
    """A signed message made and put in its wire form, now (pieces) and as before (the
    joined message signed, then scanned by ``wire_body``)."""

    def variant_of(language: Language, membership: Membership) -> PreparedVariant:
        return prepared.variant(language.value, membership.value)

    factory = IssueMessages(settings, issue_id, variant_of, signer)

    def now(n: int) -> bytes:
        message, _sender = factory(rows[n])
        assert type(message) is Spliced
        return b"".join(message.wire())

    def before(n: int) -> bytes:
        row = rows[n]
        variant = factory.variant(row.language, row.membership)
        values = factory.personalization(row, variant.rsvp_assembly_id)
        factory.sender(row.id)
        return wire_body(signer.sign(variant.personalize(values)))

    assert now(0)[-5:] == before(0)[-5:] == b"\r\n.\r\n"
    pieces, joined = per_recipient(now, len(rows), 100), per_recipient(before, len(rows), 100)
    return [
        f"signed, then the wire form: in pieces      {spread(pieces)}",
        f"(before: joined, signed, wire_body's scan  {spread(joined)})",
    ]


def check_wire(
    editions: list[tuple[str, PreparedIssue]], settings: Settings, issue_id: int
) -> None:
    """The benchmark measures the real thing: pieces join into the message, their wire
    form is ``wire_body``'s, and the issue has lines starting with a dot."""
    dots = 0
    for _edition, issue_prepared in editions:
        for lang in LANGUAGES:
            for kind in KINDS:
                variant = issue_prepared.variant(lang, kind)
                values: Personalization = personalization_for(
                    settings, issue_id, 7, "r@example.net", "Hélène", variant.rsvp_assembly_id
                )
                data = variant.personalize(values)
                spliced = variant.splice(values)
                assert bytes(spliced) == data
                assert b"".join(spliced.wire()) == wire_body(data)
                dots += data.count(b"\r\n.")
    assert dots, "no line starting with a dot in the benchmark's issue"
    print(f"\nchecked: pieces = personalize, wire = wire_body, {dots} lines starting with a dot")


if __name__ == "__main__":
    main()
