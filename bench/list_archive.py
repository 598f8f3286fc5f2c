"""Benchmark: the archive of a mailing list (threads, one post, a search).

    uv run python bench/list_archive.py [--posts 2000] [--requests 20]

A fresh SQLite database with N relayed posts of a list (conversations of 1 to 6
messages, a few paragraphs each). Prints the CPU time (``time.process_time``) of the
service's calls, in milliseconds: the thread page, one post, a search with the posts'
text not yet read (cold: every raw message parsed) and read (warm), median of the runs.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.mailinglist import archive
from newsletter.models import Language, PostStatus
from newsletter.service import Service
from newsletter.store.mailinglist import ListPost

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "Bonjour à toutes et à tous,\n\nLa permanence logement du mardi déménage : rendez-vous "
    "au CPAS, salle 3. Les dossiers d'aide au loyer sont à déposer avant la fin du mois.\n\n"
    "> Le message précédent, cité par le client de messagerie.\n> Une deuxième ligne.\n"
) * 3


def cpu_ms(call: Callable[[], Any], count: int, before: Callable[[], None] | None = None) -> float:
    samples = []
    for _ in range(count):
        if before is not None:
            before()
        start = time.process_time()
        call()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=folder / "data", database_url=f"sqlite:///{folder / 'bench.db'}",
        secret_key=SecretStr("bench"), lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates", base_url="https://news.example.org",
    )  # fmt: skip
    ctx = open_context(settings)
    service = Service(ctx)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with ctx.db.session() as session:
        root = ""
        for n in range(args.posts):
            reply = n % 6 != 0
            if not reply:
                root = f"<p{n}@asbl.example>"
            subject = ("Re: " if reply else "") + f"Sujet {n // 6}"
            raw = (
                f"From: Membre {n % 40} <m{n % 40}@asbl.example>\r\nSubject: {subject}\r\n"
                f"Message-ID: <p{n}@asbl.example>\r\n"
                + (f"In-Reply-To: {root}\r\nReferences: {root}\r\n" if reply else "")
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                + BODY
                + f"\r\nmot{n}\r\n"
            ).encode()
            session.add(ListPost(
                list_id="logement", status=PostStatus.relayed, sender=f"m{n % 40}@asbl.example",
                sender_key=f"m{n % 40}@asbl.example", sender_name=f"Membre {n % 40}",
                subject=subject, message_id=f"<p{n}@asbl.example>",
                in_reply_to=root if reply else "", references=root if reply else "",
                size=len(raw), sha256=hashlib.sha256(raw).hexdigest(), raw=raw,
                received_at=start + timedelta(minutes=n), language=Language.fr,
            ))  # fmt: skip
    first = service.list_archive.page("logement").threads[0].post_keys()[0]
    figures = {
        "thread page": cpu_ms(lambda: service.list_archive.page("logement"), args.requests),
        "one post": cpu_ms(lambda: service.list_archive.post("logement", first), args.requests),
        "search, cold": cpu_ms(
            lambda: service.list_archive.page("logement", text="mot17 permanence"),
            max(3, args.requests // 5),
            before=archive._CACHE.clear,
        ),
        "search, warm": cpu_ms(
            lambda: service.list_archive.page("logement", text="mot17 permanence"), args.requests
        ),
    }
    print(f"{args.posts} posts of one list (SQLite), CPU ms per call, median:")
    for name, value in figures.items():
        print(f"  {name:14} {value:8.1f}")
    ctx.close()


if __name__ == "__main__":
    main()
