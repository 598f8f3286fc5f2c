"""A resident SpamAssassin (Debian's ``spamd``) for the test process, asked through ``spamc``.

``spamassassin`` loads and compiles its whole rule set at each start (~2.5 s of a core);
``spamd`` does it once, and each check then costs a fraction of a second. The rules are
the same as those of ``spamassassin -t -L --cf='use_bayes 0' --cf='bayes_auto_learn 0'``
with a throwaway HOME: local tests only, no Bayes, no learning, no user preferences.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

#: how long spamd may take to load its rules on a busy machine (a ceiling)
START_TIMEOUT = 120.0
#: the largest message spamc hands over (its default, 500 KB, would return bigger ones
#: unchecked); spamassassin itself has no limit
MAX_SIZE = 64 * 1024 * 1024


def _binary(name: str, folder: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=folder)
    if found is None:
        raise RuntimeError(
            f"{name} not found: install the Debian packages 'spamd' and 'spamc' "
            "(the test script does it when run as root)"
        )
    return found


class Spamd:
    """``spamd`` on a Unix socket in a temporary folder, one child, local rules only."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="newsletter-spamd-"))
        self.socket = self.root / "spamd.sock"
        self.spamc = _binary("spamc", "/usr/bin")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Spamd:
        home = self.root / "home"
        home.mkdir()
        command = [
            _binary("spamd", "/usr/sbin"), "--local", "--nouser-config",
            "--cf=use_bayes 0", "--cf=bayes_auto_learn 0",
            f"--socketpath={self.socket}", f"--helper-home-dir={home}",
            "--max-children=1", "--min-children=1", "--min-spare=1", "--max-spare=1",
            "--syslog=stderr",
        ]  # fmt: skip
        if os.geteuid() == 0:  # spamd refuses to check mail as root
            shutil.chown(home, "nobody")
            command.append("--username=nobody")
        log = (self.root / "log").open("wb")
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.socket.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"spamd did not start: {self.log()}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def report(self, eml: bytes) -> str:
        """SpamAssassin's report on ``eml`` (``Content analysis details``, one line per
        rule that fired); spamc fails instead of handing the message back unchecked."""
        result = subprocess.run(
            [self.spamc, "-U", str(self.socket), "--no-safe-fallback", "-R",
             f"--max-size={MAX_SIZE}"],
            input=eml, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        report = result.stdout.decode("utf-8", "replace")
        assert "Content analysis details" in report, (
            f"spamc: {result.stderr.decode(errors='replace')}\n{self.log()}"
        )
        return report

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
