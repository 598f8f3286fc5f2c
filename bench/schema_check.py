"""What `intake eml` (run by the MTA for every message) pays to open the database: CPU time
of an Alembic upgrade of an up-to-date database (what it did before) and of the schema
version check it does now, each in a fresh interpreter, after the common imports.

    uv run python bench/schema_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from newsletter.store.db import Database

CALLS = {"Alembic upgrade (before)": "db.migrate()", "schema check (now)": "db.check_schema()"}


def measure(url: str, call: str, runs: int) -> tuple[float, bool]:
    script = (
        "import sys, time\n"
        "from newsletter.store.db import Database\n"
        f"db = Database.from_url({url!r})\n"
        "start = time.process_time()\n"
        f"{call}\n"
        "print(time.process_time() - start, 'alembic' in sys.modules)\n"
    )
    samples, alembic = [], False
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        seconds, loaded = done.stdout.split()
        samples.append(float(seconds))
        alembic = loaded == "True"
    return statistics.median(samples), alembic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        Database.from_url(url).migrate()
        for name, call in CALLS.items():
            seconds, alembic = measure(url, call, args.runs)
            loaded = "loads Alembic" if alembic else "no Alembic"
            print(f"{name:26} {seconds * 1000:7.1f} ms CPU (median of {args.runs}), {loaded}")


if __name__ == "__main__":
    main()
