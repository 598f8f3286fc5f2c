"""A sender process for the crash tests: runs the delivery of one issue to the end.

Usage: python -m tests.delivery.sender_proc '<json>' with database_url, secret_key,
issue_id, port, lanes, rate, and optionally barrier (a folder: the process
writes ready-<pid> there and waits for a file named go).
SIGTERM drains in-flight messages and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.delivery.event_loop import run as run_loop
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.delivery.throttle import TokenBucket
from newsletter.service import Service
from tests.delivery.helpers import template_factory


async def main(options: dict[str, object]) -> int:
    settings = Settings(
        database_url=str(options["database_url"]),
        secret_key=SecretStr(str(options["secret_key"])),
        bounce_address="bounces@example.org",
        base_url="https://news.example.org",
    )
    ctx = open_context(settings, migrate=False)
    service = Service(ctx)
    issue_id = int(str(options["issue_id"]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    pool = SmtpPool(SmtpConfig("127.0.0.1", int(str(options["port"])),
                               connections=int(str(options["lanes"]))))  # fmt: skip
    barrier = options.get("barrier")
    if barrier:  # start sending together with the other processes of the test
        Path(str(barrier), f"ready-{os.getpid()}").touch()
        deadline = time.monotonic() + 60
        while not Path(str(barrier), "go").exists():
            if time.monotonic() > deadline:
                raise TimeoutError("never told to go")
            await asyncio.sleep(0.005)
    try:
        result = await service.delivery.run(
            issue_id, pool, stop,
            factory=template_factory(settings, issue_id),
            wait_retries=True,
            policy=RetryPolicy(base=0.05, max_delay=0.2),
            bucket=TokenBucket(float(str(options["rate"]))),
            lanes=int(str(options["lanes"])),
            batch_size=50,
        )  # fmt: skip
    finally:
        await pool.close()
        ctx.close()
    print(result.end.value, result.progress.sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run_loop(main(json.loads(sys.argv[1]))))  # the sender's own loop (uvloop)
