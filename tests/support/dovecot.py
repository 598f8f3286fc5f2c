"""A private Dovecot IMAP server for tests: temporary directory, free loopback port.

No system service is used. Mail files belong to uid/gid 65534 (Dovecot refuses to
serve mail as root); users live in a passwd-file written at start, and each test takes
a fresh one with an empty mailbox.
"""

from __future__ import annotations

import itertools
import mailbox
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import PortReservation

#: Dovecot refuses uid 0; as root the mail belongs to nobody (65534)
MAIL_UID = 65534 if os.geteuid() == 0 else os.geteuid()
USERS = 500
PASSWORD = "secret"
_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{dir}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


@dataclass
class MailUser:
    server: DovecotServer
    username: str
    password: str

    @property
    def maildir(self) -> Path:
        return self.server.root / "mail" / self.username / "Maildir"

    def deliver(self, raw: bytes, folder: str = "") -> None:
        """Put a message into the user's INBOX (or a folder) as an MDA would."""
        box = mailbox.Maildir(self.maildir, create=True)
        target = box if not folder else box.get_folder(folder)
        key = target.add(raw)
        path = Path(target._path) / "new" / key
        os.chown(path, MAIL_UID, MAIL_UID)

    def folder_count(self, folder: str) -> int:
        path = self.maildir if folder == "INBOX" else self.maildir / f".{folder}"
        if not path.exists():
            return 0
        return sum(len(list((path / sub).iterdir())) for sub in ("new", "cur"))


class DovecotServer:
    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """``tls``: (certificate, key) to offer STARTTLS on ``port`` and TLS on
        ``tls_port``; without it the server speaks plain IMAP only."""
        self.root = Path(tempfile.mkdtemp(prefix="newsletter-dovecot-"))
        # held until Dovecot listens (it binds both listeners before it answers)
        self.reservations = [PortReservation()] + ([PortReservation()] if tls else [])
        self.port = self.reservations[0].port
        self.tls = tls
        self.tls_port = self.reservations[1].port if tls else 0
        self.process: subprocess.Popen[bytes] | None = None
        self._users = itertools.count(1)

    def start(self) -> DovecotServer:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError("dovecot not found: install the Debian package dovecot-imapd")
        self.root.chmod(0o755)  # the auth and mail processes run as other users
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        # every user is written before the start: Dovecot notices a changed passwd-file
        # by its modification time, which is too coarse for users added in a hurry
        (self.root / "passwd").write_text(
            "".join(f"{self._name(n)}:{{PLAIN}}{PASSWORD}::::::\n" for n in range(1, USERS + 1))
        )
        config = self.root / "dovecot.conf"
        ssl = (
            f"ssl = yes\nssl_cert = <{self.tls[0]}\nssl_key = <{self.tls[1]}"
            if self.tls
            else "ssl = no"
        )
        config.write_text(
            _CONFIG.format(
                dir=self.root, port=self.port, tls_port=self.tls_port, uid=MAIL_UID, ssl=ssl
            )
        )
        os.chown(self.root / "mail", MAIL_UID, MAIL_UID)
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RuntimeError(f"dovecot exited at start: {err}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        for reservation in self.reservations:
                            reservation.release()
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    @staticmethod
    def _name(number: int) -> str:
        return f"user{number}@example.test"

    def add_user(self) -> MailUser:
        """A user with an empty mailbox, not used by any other test."""
        number = next(self._users)
        if number > USERS:
            raise RuntimeError(f"only {USERS} test users: raise USERS in tests/support/dovecot.py")
        name = self._name(number)
        home = self.root / "mail" / name / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (home / sub).mkdir(parents=True)
        for path in (home.parent, home, *(home / s for s in ("new", "cur", "tmp"))):
            os.chown(path, MAIL_UID, MAIL_UID)
        return MailUser(self, name, PASSWORD)

    def stop(self) -> None:
        for reservation in self.reservations:
            reservation.release()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stderr:
                self.process.stderr.close()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)
