"""The command line's way out: a command's output, exit code and files survive the quick
exit (``cli.leave``), and a thread still running is waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _newsletter(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env.update({"NEWSLETTER_DATA_DIR": str(tmp_path), "NEWSLETTER_LISTS_DIR": str(ROOT / "lists")})
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_output_through_a_pipe_is_whole(tmp_path: Path) -> None:
    # the same help, printed by the entry point (quick exit) and by main() then the
    # interpreter's usual exit
    quick = _newsletter(tmp_path, "issue", "--help")
    usual = subprocess.run(
        [sys.executable, "-c",
         "import sys; from newsletter.cli import main; sys.exit(main(['issue', '--help']))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert quick.returncode == usual.returncode == 0
    assert quick.stdout == usual.stdout and "send" in quick.stdout


def test_error_line_and_exit_code(tmp_path: Path) -> None:
    refused = _newsletter(tmp_path, "issue", "list")  # no schema yet
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "newsletter init" in refused.stderr
    created = _newsletter(tmp_path, "init")
    assert created.returncode == 0, created.stderr
    listed = _newsletter(tmp_path, "issue", "list")
    assert listed.returncode == 0, listed.stderr  # what init wrote was on disk


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    done = tmp_path / "done"
    code = f"""
import threading, time
from pathlib import Path
from newsletter.cli import leave
def work():
    time.sleep(0.3)
    Path({str(done)!r}).write_text("written")
threading.Thread(target=work).start()
leave(3)
"""
    ended = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120)
    assert ended.returncode == 3
    assert done.read_text() == "written"


def test_quick_exit_flushes_and_keeps_the_code(tmp_path: Path) -> None:
    code = "import sys\nfrom newsletter.cli import leave\nsys.stdout.write('x' * 200000)\nleave(4)"
    ended = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert ended.returncode == 4
    assert ended.stdout == "x" * 200000


def test_the_start_is_set_aside_from_the_collector(tmp_path: Path) -> None:
    # the process starts with the collector off (``newsletter.__main__``); once the
    # command's modules are loaded they are frozen and collection is back on
    code = """
import gc, sys
import newsletter.cli as cli
sys.argv = ["newsletter", "issue", "--help"]
def leave(code):
    print(gc.isenabled(), gc.get_freeze_count())
    sys.stdout.flush()
cli.leave = leave
gc.disable()
cli.run()
"""
    ended = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    enabled, frozen = ended.stdout.strip().splitlines()[-1].split()
    assert enabled == "True" and int(frozen) > 50_000  # the modules' objects


def test_the_installed_command(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "newsletter"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["NEWSLETTER_DATA_DIR"] = str(tmp_path)
    ended = subprocess.run([str(command), "issue", "--help"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ended.returncode == 0, ended.stderr
    assert "send" in ended.stdout
