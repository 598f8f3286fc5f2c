"""Benchmark: import a directory of N rows into a fresh database, then again.

    uv run python bench/import_directory.py [--rows 10000] [--database-url URL] [--cli]

In-process (default): the time and CPU of the dry run, the first import (all created)
and the re-import (all unchanged), then the peak RSS of this process.
``--cli``: the command users run, ``newsletter members import FILE``, started as a
separate process for each pass; prints its wall time, CPU time and peak RSS.
No pass/fail. Targets: 10,000 rows < 3 s; 100,000 rows <= 20 s and <= 150 MB peak RSS
through the CLI, on SQLite.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from newsletter.config import ENV_PREFIX, Settings
from newsletter.context import open_context
from newsletter.service import Service

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ["Aide alimentaire", "Logement", "Santé mentale", ""]


def write_csv(path: Path, rows: int) -> None:
    """The directory as the coordinator exports it: ``;``, Windows-1252, French headers."""
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("Organisation;Mandataire;Courriel;Statut;Langue;Groupes de travail;Rôles\r\n")
        for i in range(rows):
            out.write(
                f"Organisation {i // 3:05d};Personne {i:05d};p{i:05d}@org{i // 3:05d}.example.org;"
                f"{'Effectif' if (i // 3) % 3 else 'Adhérent'};{'NL' if i % 5 == 0 else 'FR'};"
                f"{GROUPS[i % 4]};{'comité' if i % 97 == 0 else ''}\r\n"
            )


def make_csv(rows: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path, rows)
        return path.read_bytes()


def in_process(args: argparse.Namespace, tmp: Path, source: Path) -> None:
    settings = Settings(
        data_dir=tmp,
        database_url=args.database_url,
        secret_key=SecretStr("bench"),
        lists_dir=ROOT / "lists",
    )
    ctx = open_context(settings)
    service = Service(ctx)
    for label, dry in (("dry run", True), ("first import", False), ("re-import", False)):
        start, cpu = time.perf_counter(), time.process_time()
        report = service.audience.import_members(source, "bench.csv", dry_run=dry, detail=False)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{label:13s} {args.rows:>7,} rows: {elapsed:6.2f} s (CPU {used:6.2f} s)  "
            f"(created {report.counts['created']}, updated {report.counts['updated']}, "
            f"unchanged {report.counts['unchanged']}, rejected {len(report.rejected)})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")
    start = time.perf_counter()
    service.audience.lists()
    print(f"list counts over {args.rows:,} subscribers: {time.perf_counter() - start:.2f} s")
    ctx.close()


def through_cli(args: argparse.Namespace, tmp: Path, source: Path) -> None:
    env = {
        **os.environ,
        f"{ENV_PREFIX}DATA_DIR": str(tmp),
        f"{ENV_PREFIX}DATABASE_URL": args.database_url,
        f"{ENV_PREFIX}SECRET_KEY": "bench",
        f"{ENV_PREFIX}LISTS_DIR": str(ROOT / "lists"),
    }
    command = [sys.executable, "-m", "newsletter"]
    subprocess.run([*command, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    passes: tuple[tuple[str, list[str]], ...] = (
        ("dry run", ["--dry-run"]),
        ("first import", []),
        ("re-import", []),
    )
    for label, extra in passes:
        start = time.perf_counter()
        process = subprocess.Popen(
            [*command, "members", "import", str(source), *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            raise SystemExit(f"{label}: exit status {status}\n{output}")
        summary = next((line for line in output.splitlines() if "Créés" in line), "")
        print(
            f"{label:13s} {args.rows:>7,} rows: {elapsed:6.2f} s "
            f"(CPU {usage.ru_utime + usage.ru_stime:6.2f} s, peak RSS "
            f"{usage.ru_maxrss / 1024:5.0f} MB)  {summary.strip()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cli", action="store_true", help="measure the CLI process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        source = tmp / "bench.csv"
        write_csv(source, args.rows)
        (through_cli if args.cli else in_process)(args, tmp, source)


if __name__ == "__main__":
    main()
