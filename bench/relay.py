"""Benchmark of the relay path: ``issue send`` into a real Postfix used as smart host.

A private Postfix instance (its own configuration and queue folders, no system service
touched, ``postfix -c DIR start``) accepts the messages on a loopback port and relays
them to Postfix's ``smtp-sink``. The figures: how fast ``issue send`` hands the issue
to Postfix (its CPU per message and peak RSS), how long Postfix takes until its queue
is empty (every message delivered to the sink), and ``smtp-source -d`` into the same
Postfix as the reference client. This is the way to go past one machine's SMTP client:
the sender's work ends when Postfix has queued a message; Postfix does the remote
deliveries, retries and per-domain pacing, on this machine or on another one.

    uv run python bench/relay.py                    # 10,000 recipients
    uv run python bench/relay.py --sizes 2000 --connections 8

Runs as root (Postfix's daemons run as the ``postfix`` user); needs Debian's ``postfix``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import send as bench  # the benchmark next to this one

POSTFIX = "/usr/sbin/postfix"


class PrivatePostfix:
    """A Postfix instance in a folder of its own, relaying everything to ``relay_port``."""

    def __init__(self, port: int, relay_port: int, concurrency: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="newsletter-postfix-"))
        self.config = self.root / "etc"
        self.queue = self.root / "queue"
        self.port = port
        self.config.mkdir()
        self.queue.mkdir()
        (self.root / "data").mkdir()
        self.root.chmod(0o755)  # the daemons run as postfix
        shutil.chown(self.root / "data", "postfix", "postfix")
        main = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.queue),
            "data_directory": str(self.root / "data"),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "myhostname": "relay.example.test",
            "mydestination": "",
            "relayhost": f"[127.0.0.1]:{relay_port}",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "maillog_file": str(self.root / "maillog"),
            "maillog_file_prefixes": str(self.root),
            "default_destination_concurrency_limit": str(concurrency),
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_message_rate_limit": "0",
            "message_size_limit": "52428800",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
        }
        (self.config / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in main.items()))
        lines = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{port}"
                fields[4] = "n"  # no chroot: the queue is outside the system's folders
                line = " ".join(fields)
            lines.append(line)
        (self.config / "master.cf").write_text("\n".join(lines) + "\n")
        shutil.copy("/etc/postfix/dynamicmaps.cf", self.config / "dynamicmaps.cf")
        if Path("/etc/postfix/dynamicmaps.cf.d").is_dir():
            shutil.copytree("/etc/postfix/dynamicmaps.cf.d", self.config / "dynamicmaps.cf.d")

    def start(self) -> None:
        self._postfix("check")
        self._postfix("start")
        bench.wait_for_port(self.port)

    def _postfix(self, command: str) -> None:
        subprocess.run([POSTFIX, "-c", str(self.config), command], check=True,
                       capture_output=True, text=True)  # fmt: skip

    def queued(self) -> int:
        """Messages still in the queue (incoming, active, deferred)."""
        return sum(
            1
            for name in ("maildrop", "incoming", "active", "deferred", "hold")
            for _dirpath, _dirs, files in os.walk(self.queue / name)
            for _file in files
        )

    def drain(self, timeout: float) -> float:
        """Seconds until the queue is empty."""
        started = time.perf_counter()
        while self.queued() and time.perf_counter() - started < timeout:
            time.sleep(0.05)
        return time.perf_counter() - started

    def stop(self) -> None:
        try:
            self._postfix("stop")
        finally:
            time.sleep(0.5)
            shutil.rmtree(self.root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--relay-concurrency", type=int, default=20,
                        help="Postfix's connections to the sink")  # fmt: skip
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: Postfix's daemons switch to the postfix user")
    bench.ensure_postfix_tools()
    sink_port, relay_port = bench.free_port(), bench.free_port()
    sink = bench.start_sink(sink_port)
    postfix = PrivatePostfix(relay_port, sink_port, args.relay_concurrency)
    runs = []
    try:
        postfix.start()
        for count in [int(s) for s in args.sizes.split(",")]:
            folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-relay-"))
            try:
                out = subprocess.run(
                    [sys.executable, bench.__file__, "--setup-cli", str(count),
                     "--folder", str(folder)],
                    check=True, capture_output=True, text=True, cwd=bench.ROOT,
                )  # fmt: skip
                info = json.loads(out.stdout.strip().splitlines()[-1])
                figures = bench.run_cli(folder, info["issue_id"], relay_port, args.connections)
                drained = postfix.drain(timeout=3600)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            runs.append({"count": count, **info, **figures, "drain_s": drained})
        source_count = max(10000, runs[0]["count"])
        started = time.perf_counter()
        rate, cpu = bench.smtp_source(relay_port, args.connections, source_count,
                                      runs[0]["message_bytes"])  # fmt: skip
        postfix.drain(timeout=3600)
        source_total = time.perf_counter() - started
    finally:
        postfix.stop()
        sink.terminate()
        sink.wait()
    print(f"relay path: 'newsletter issue send' (SQLite) → private Postfix (smtpd on loopback, "
          f"{args.relay_concurrency} connections to the sink) → smtp-sink; "
          f"{args.connections} sender connections, realistic issue of "
          f"{runs[0]['message_bytes']:,} bytes (1-min load {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")  # fmt: skip
    print(f"smtp-source -d -s {args.connections} into Postfix: {rate:,.0f} msg/s accepted, "
          f"client CPU {cpu:.0f} µs/message; {source_count:,} delivered to the sink after "
          f"{source_total:.1f} s "
          f"({source_count / source_total:,.0f} msg/s through Postfix)")  # fmt: skip
    for run in runs:
        handed = run["count"] / run["total_s"]
        through = run["count"] / (run["total_s"] + run["drain_s"])
        print(f"{run['count']:>7,} recipients: handed to Postfix in {run['total_s']:.1f} s "
              f"({handed:,.0f} msg/s = {handed / rate:.2f} × smtp-source into Postfix), queue "
              f"empty {run['drain_s']:.1f} s later ({through:,.0f} msg/s end to end); sender "
              f"CPU {run['cpu_s'] / run['count'] * 1e6:.0f} µs/message, peak RSS "
              f"{run['own_peak_rss_mb']:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
