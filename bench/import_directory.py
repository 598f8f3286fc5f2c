"""Benchmark: import a directory of N rows into a fresh SQLite database, then again.

    uv run python bench/import_directory.py [--rows 10000] [--database-url URL]

Prints the time of the first import (all created), of the re-import (all unchanged)
and of the dry run. No pass/fail: the target is < 5 s for 10,000 rows on SQLite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service

ROOT = Path(__file__).resolve().parent.parent


def make_csv(rows: int) -> bytes:
    lines = ["Organisation;Mandataire;Courriel;Statut;Langue;Groupes de travail;Rôles"]
    groups = ["Aide alimentaire", "Logement", "Santé mentale", ""]
    for i in range(rows):
        lines.append(
            f"Organisation {i // 3:05d};Personne {i:05d};p{i:05d}@org{i // 3:05d}.example.org;"
            f"{'Effectif' if (i // 3) % 3 else 'Adhérent'};{'NL' if i % 5 == 0 else 'FR'};"
            f"{groups[i % 4]};{'comité' if i % 97 == 0 else ''}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data = make_csv(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=args.database_url,
            secret_key=SecretStr("bench"),
            lists_dir=ROOT / "lists",
        )
        ctx = open_context(settings)
        service = Service(ctx)
        for label, dry in (("dry run", True), ("first import", False), ("re-import", False)):
            start = time.perf_counter()
            report = service.audience.import_members(data, "bench.csv", dry_run=dry)
            elapsed = time.perf_counter() - start
            print(
                f"{label:13s} {args.rows:>7,} rows: {elapsed:6.2f} s  "
                f"(created {len(report.created)}, updated {len(report.updated)}, "
                f"unchanged {len(report.unchanged)}, rejected {len(report.rejected)})"
            )
        start = time.perf_counter()
        service.audience.lists()
        print(f"list counts over {args.rows:,} subscribers: {time.perf_counter() - start:.2f} s")
        ctx.close()


if __name__ == "__main__":
    main()
