"""Benchmark: the subscription form's answer time for a subscribed and an unknown address.

    uv run python bench/subscribe.py [--requests 30]

The app served by uvicorn on a loopback port, its notices going to an aiosmtpd sink; a
fresh SQLite database with one active subscriber. Each round posts the form once for
the subscribed address and once for a new one (the per-client limit and the address's
cool-down are cleared between posts, so every post does the whole work). Prints the
median and 95th percentile of each, in milliseconds. The confirmation e-mail leaves
after the answer, so the two should not differ.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from _timing import p95
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service
from newsletter.web import create_app

ROOT = Path(__file__).resolve().parent.parent


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    smtp_port, port = free_port(), free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    settings = Settings(
        data_dir=folder, database_url=f"sqlite:///{folder / 'bench.db'}",
        secret_key=SecretStr("bench-secret-key"), lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates", base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
    )  # fmt: skip
    ctx = open_context(settings)
    service = Service(ctx)
    service.audience.import_members(
        b"organisation;nom;email;statut\nAsbl;A;known@example.org;effectif\n", "d.csv"
    )
    config = uvicorn.Config(
        create_app(ctx, service), host="127.0.0.1", port=port, log_level="warning",
        lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        page = client.get("/subscribe").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found
        csrf = found.group(1)
        for n in range(args.requests + 3):  # the first three warm up
            for kind, email in (("known", "known@example.org"),
                                ("unknown", f"new{n}@example.org")):  # fmt: skip
                service.limits.clear("subscribe-client", "127.0.0.1")
                service.limits.clear("subscribe-address", email)
                start = time.perf_counter()
                response = client.post("/subscribe", data={
                    "email": email, "consent": "yes", "csrf_token": csrf,
                })  # fmt: skip
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.text
                if n >= 3:
                    samples[kind].append(elapsed)
    server.should_exit = True
    thread.join(timeout=10)
    sink.stop()
    ctx.close()
    for kind, values in samples.items():
        print(f"{kind:8} median {statistics.median(values):6.1f} ms   p95 {p95(values):6.1f} ms")


if __name__ == "__main__":
    main()
