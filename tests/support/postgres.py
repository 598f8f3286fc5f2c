"""A throwaway PostgreSQL cluster from Debian's package: temporary directory, free port.

No system service is used. As root, initdb and pg_ctl run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import PortReservation


def _pg_bin() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if not candidates:
        raise RuntimeError(
            "PostgreSQL binaries not found under /usr/lib/postgresql: install the "
            "Debian package 'postgresql' (the test script does it when run as root)"
        )
    return Path(candidates[-1])


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="newsletter-pg-"))
        self.data = self.root / "data"
        # held until the server listens, and again while it is halted
        self.reservation = PortReservation()
        self.port = self.reservation.port
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}\n{tail}")

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.resume()
        return self.url("postgres")

    def resume(self) -> None:
        """Start the server (again, after ``halt``) on the same data and port."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
            "-w", "-o", options, "start",
        )  # fmt: skip
        self.reservation.release()

    def halt(self) -> None:
        """Stop the server as ``pg_ctl stop -m fast`` does (clients are disconnected);
        the data stays for ``resume``, and the port stays this cluster's."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.reservation.hold()

    def running(self) -> bool:
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, check=False).returncode == 0

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            self.reservation.release()
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RestartableDatabase:
    """A fresh database in a cluster that the test may stop (``halt``) and start again
    (``resume``): the cluster is shared by such tests only, never by the others."""

    cluster: PostgresCluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    def halt(self) -> None:
        self.cluster.halt()

    def resume(self) -> None:
        self.cluster.resume()
