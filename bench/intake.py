"""Benchmark of the e-mail intake: parsing speed, memory on huge messages, IMAP polling.

    uv run python bench/intake.py [--messages 300] [--huge-mb 24] [--pipe-mb 200]

Prints:
- parse: messages per second of ``parse_submission`` over the test corpus;
- ingest: messages per second of the whole intake (parse + item + record) on SQLite;
- huge: peak RSS of ``intake eml -`` for a message just under ``INTAKE_MAX_MESSAGE``
  (read, parsed, stored) and for one far over it piped on stdin (drained, quarantined);
- poll: messages per second of ``intake poll`` against a private Dovecot (needs root or
  a user that may run dovecot, as in the tests).

No pass/fail. Each memory figure comes from a fresh child process (``VmHWM``).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.config import Settings, SmtpSecurity  # noqa: E402
from newsletter.context import open_context  # noqa: E402
from newsletter.intake.mail.parse import parse_submission  # noqa: E402
from newsletter.service import Service  # noqa: E402
from tests.inbound.corpus.make_corpus import CORPUS, huge_message  # noqa: E402

CHILD = """
import sys
from pathlib import Path
from pydantic import SecretStr
from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
base = hwm()
settings = Settings(data_dir=Path(sys.argv[1]), secret_key=SecretStr("bench"),
                    intake_max_attachment=64 * 1024 * 1024)
ctx = open_context(settings)
result = Service(ctx).intake.ingest_stream(sys.stdin.buffer)
print(result.outcome.value, base, hwm())
"""


def settings_for(folder: Path) -> Settings:
    return Settings(data_dir=folder, secret_key=SecretStr("bench"))


def bench_parse(rounds: int) -> None:
    messages = [build() for build in CORPUS.values()]
    start = time.perf_counter()
    for _ in range(rounds):
        for raw in messages:
            parse_submission(raw, max_attachment=10 * 1024 * 1024)
    elapsed = time.perf_counter() - start
    count = rounds * len(messages)
    print(f"parse:  {count} messages in {elapsed:.2f} s = {count / elapsed:.0f} msg/s")


def bench_ingest(count: int) -> None:
    messages = [build() for build in CORPUS.values()]
    with tempfile.TemporaryDirectory() as folder:
        ctx = open_context(settings_for(Path(folder)))
        service = Service(ctx)
        start = time.perf_counter()
        for index in range(count):
            raw = messages[index % len(messages)].replace(
                b"Message-ID: <", f"Message-ID: <bench{index}.".encode(), 1
            )
            service.intake.ingest_bytes(raw)
        elapsed = time.perf_counter() - start
        ctx.close()
    print(f"ingest: {count} messages in {elapsed:.2f} s = {count / elapsed:.0f} msg/s (SQLite)")


def bench_huge(size_mb: int, label: str) -> None:
    raw = huge_message(size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, folder],
            input=raw,
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        elapsed = time.perf_counter() - start
    outcome, base, peak = done.stdout.decode().split()
    print(
        f"huge:   {label} {len(raw) / 1024 / 1024:.0f} MB message -> {outcome}, "
        f"peak RSS {peak} MB (interpreter and imports {base} MB), {elapsed:.1f} s"
    )


def bench_poll(count: int) -> None:
    from tests.support.dovecot import DovecotServer

    messages = [build() for build in CORPUS.values()]
    server = DovecotServer().start()
    try:
        user = server.add_user()
        for index in range(count):
            raw = messages[index % len(messages)].replace(
                b"Message-ID: <", f"Message-ID: <poll{index}.".encode(), 1
            )
            user.deliver(raw)
        with tempfile.TemporaryDirectory() as folder:
            settings = settings_for(Path(folder)).model_copy(
                update={
                    "imap_host": "127.0.0.1",
                    "imap_port": server.port,
                    "imap_username": user.username,
                    "imap_password": SecretStr(user.password),
                    "imap_security": SmtpSecurity.none,
                }
            )
            ctx = open_context(settings)
            start = time.perf_counter()
            report = Service(ctx).intake.poll()
            elapsed = time.perf_counter() - start
            ctx.close()
    finally:
        server.stop()
    print(
        f"poll:   {len(report.results)} messages in {elapsed:.2f} s = "
        f"{len(report.results) / elapsed:.0f} msg/s (Dovecot, SQLite) {report.counts()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--huge-mb", type=int, default=24)
    parser.add_argument("--pipe-mb", type=int, default=200)
    args = parser.parse_args()
    bench_parse(20)
    bench_ingest(args.messages)
    bench_huge(args.huge_mb, "under the limit:")
    bench_huge(args.pipe_mb, "over the limit: ")
    bench_poll(args.messages)
    print(
        f"(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)"
    )


if __name__ == "__main__":
    main()
