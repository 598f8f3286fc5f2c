"""Benchmark of the delivery engine (prints figures; no pass/fail).

N personalised messages (~20 KB, HTML + text, per-recipient To, Message-ID and
signed unsubscribe/preferences links, VERP envelope sender) go through the whole
engine: snapshot into a SQLite outbox, batched claims, the SMTP pool (pipelined:
smtp-sink offers PIPELINING), results written back. The sink is Postfix's
``smtp-sink`` on loopback; Postfix's ``smtp-source`` against the same sink with the
same number of connections gives the reference ceiling. Each size runs in a child
process of its own so that its peak RSS is its own.

    uv run python bench/send.py                      # 10,000 and 100,000 recipients
    uv run python bench/send.py --sizes 2000 --connections 8
    uv run python bench/send.py --cli --sizes 10000,100000   # 'issue send' end to end
    uv run python bench/send.py --postgres --processes 2     # two senders, one PostgreSQL outbox
    uv run python bench/send.py --cli --postgres --processes 2 --sizes 20000
    uv run python bench/send.py --cli   # NEWSLETTER_DKIM_{DOMAIN,SELECTOR,KEY_FILE} set: signed

``--cli`` measures the process users run: ``newsletter issue send ID --to public --yes``
started with ``python -m newsletter`` on a database holding a realistic issue (the
shipped templates, items in French and Dutch, AGs, the coming AG's invitation as an .ics
part, quoted-printable lines starting with a dot: ~34 KB; ``--extra-items 0``: ~20 KB),
with wall time, CPU and peak RSS of that process, and its ratio to
``smtp-source -d`` against the same sink, measured just before it: ``--repeat`` rounds
per size (3 by default) of smtp-source, ``issue send`` and the engine on the same issue,
medians printed (the machine's speed moves from minute to minute); with two sizes, the
CPU per message between them too, which leaves out what the start costs.

Installs Debian's ``postfix`` (only its tools are used; no daemon) when run as root
and ``/usr/sbin/smtp-sink`` is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ensure_postfix_tools() -> None:
    if Path(SINK).exists() and Path(SOURCE).exists():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"{SINK} missing: install the Debian package 'postfix' (tools only)")
    preseed = "postfix postfix/main_mailer_type select No configuration\n"
    subprocess.run(["debconf-set-selections"], input=preseed, text=True, check=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300",
         "--no-install-recommends", "postfix"],
        check=True, env=env,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    user = "nobody" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    process = subprocess.Popen([SINK, "-u", user, f"127.0.0.1:{port}", "1000"])
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        raise
    return process


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    """Return once something accepts connections on ``port`` of loopback."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def smtp_source(port: int, connections: int, count: int, size: int) -> tuple[float, float]:
    """(messages per second, client CPU µs per message) of Postfix's smtp-source with
    persistent connections (-d), the fair ceiling for a pooled sender."""
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [SOURCE, "-d", "-s", str(connections), "-l", str(size), "-m", str(count),
         "-f", "a@example.org", "-t", "b@example.org", f"127.0.0.1:{port}"],
        check=True, capture_output=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    return count / elapsed, cpu / count * 1e6


# --- the child: one run of the engine ------------------------------------------------

PARAGRAPH = (
    "La coordination sociale réunit ses membres pour une assemblée générale consacrée "
    "à l'aide alimentaire, au logement et à la santé mentale. Les groupes de travail "
    "présenteront leurs conclusions et le comité d'accompagnement son rapport annuel. "
)


def template(size: int) -> bytes:
    """A multipart/alternative message of about ``size`` bytes with placeholders."""
    count = max(1, size // 2 // (len(PARAGRAPH.encode()) + 30))
    html = "".join(
        f'<p style="margin:0 0 12px;font-family:Arial">{PARAGRAPH}</p>\r\n' for _ in range(count)
    )
    text = "".join(f"{PARAGRAPH}\r\n\r\n" for _ in range(count))
    return (
        "From: Coordination sociale <news@example.org>\r\n"
        "To: {{to}}\r\n"
        "Subject: =?utf-8?q?Lettre_d=27information_n=C2=B042?=\r\n"
        "Date: Sat, 21 Nov 2026 10:00:00 +0100\r\n"
        "Message-ID: {{message_id}}\r\n"
        "List-Id: Coordination sociale <news.example.org>\r\n"
        "List-Unsubscribe: <{{unsubscribe_url}}>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="=-=bench=-="\r\n'
        "\r\n"
        "--=-=bench=-=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Bonjour {{name}},\r\n\r\n" + text + "Se désinscrire : {{unsubscribe_url}}\r\n"
        "Préférences : {{preferences_url}}\r\n\r\n"
        "--=-=bench=-=\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        '<!DOCTYPE html><html lang="fr"><body><p>Bonjour {{name}},</p>\r\n'
        + html
        + '<p><a href="{{unsubscribe_url}}">Se désinscrire</a> · '
        '<a href="{{preferences_url}}">Préférences</a> · <a href="{{web_url}}">En ligne</a></p>'
        "</body></html>\r\n"
        "--=-=bench=-=--\r\n"
    ).encode()


def peak_rss_mb() -> float:
    """Peak resident set of this process image (VmHWM: reset at exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_settings(folder: Path, port: int, connections: int, batch: int) -> Any:
    from pydantic import SecretStr

    from newsletter.config import Settings, SmtpSecurity

    return Settings(
        data_dir=folder, secret_key=SecretStr("bench-secret-key-0123456789"),
        bounce_address="bounces@example.org", base_url="https://news.example.org",
        smtp_host="127.0.0.1", smtp_port=port, smtp_security=SmtpSecurity.none,
        smtp_connections=connections, send_batch_size=batch,
        database_url=os.environ.get(DATABASE_VARIABLE, ""),
    )  # fmt: skip


#: the database of a run when it is not SQLite in the run's folder (``--postgres``)
DATABASE_VARIABLE = "BENCH_DATABASE_URL"


class Databases:
    """With ``--postgres``: a private PostgreSQL cluster (``tests.support.postgres``),
    a fresh database per run; else SQLite in each run's folder."""

    def __init__(self, postgres: bool) -> None:
        self.cluster: Any = None
        if postgres:
            from tests.support.postgres import PostgresCluster

            self.cluster = PostgresCluster()
            self.cluster.start()
        self.runs = 0

    @property
    def name(self) -> str:
        return "PostgreSQL" if self.cluster else "SQLite"

    def fresh(self) -> dict[str, str]:
        """The environment variables of a new run's database."""
        if self.cluster is None:
            return {}
        import psycopg

        self.runs += 1
        name = f"bench{self.runs}"
        with psycopg.connect(self.cluster.url("postgres").replace("+psycopg", ""),
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f"CREATE DATABASE {name}")
        url = self.cluster.url(name)
        return {DATABASE_VARIABLE: url, "NEWSLETTER_DATABASE_URL": url}

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def setup(folder: Path, count: int) -> None:
    """A database with ``count`` active subscribers and a draft issue (not measured)."""
    from sqlalchemy import insert

    from newsletter.context import open_context
    from newsletter.models import Language, SubscriberStatus
    from newsletter.store.audience import Subscriber
    from newsletter.store.editorial import Issue

    ctx = open_context(bench_settings(folder, 0, 1, 1))
    with ctx.db.session() as session:
        chunk = 5000
        for start in range(0, count, chunk):
            session.execute(insert(Subscriber), [
                {"email": f"abonne{i}@example.net", "email_key": f"abonne{i}@example.net",
                 "name": f"Abonné·e {i}", "language": Language.fr if i % 3 else Language.nl,
                 "groups": [], "roles": [], "status": SubscriberStatus.active,
                 "bounce_count": 0, "consent_source": "bench", "status_reason": ""}
                for i in range(start, min(count, start + chunk))
            ])  # fmt: skip
        session.add(Issue(id=1, number=42, title="Bench"))
    ctx.close()


def helper(folder: Path, port: int, connections: int, size: int, batch: int) -> dict[str, float]:
    """An extra sender process on the same outbox: waits for the go, sends, reports."""
    from newsletter.context import open_context
    from newsletter.delivery.event_loop import run as run_loop
    from newsletter.delivery.messages import IssueMessages
    from newsletter.delivery.smtp import SmtpPool
    from newsletter.delivery.template import TemplateMessage
    from newsletter.delivery.worker import Worker

    settings = bench_settings(folder, port, connections, batch)
    ctx = open_context(settings, migrate=False)
    message = TemplateMessage(template(size))
    factory = IssueMessages(settings, 1, lambda language, membership: message)
    go = folder / "go"
    while not go.exists():
        time.sleep(0.005)

    async def run() -> int:
        pool = SmtpPool.from_settings(settings)
        worker = Worker(ctx.db, settings, pool)
        result = await worker.run_send(1, factory, asyncio.Event())
        worker.unregister()
        await pool.close()
        return result.progress.sent

    sent = run_loop(run())
    ctx.close()
    return {"sent": sent, "peak_rss_mb": peak_rss_mb()}


def child(
    folder: Path,
    count: int,
    port: int,
    connections: int,
    size: int,
    batch: int,
    processes: int = 1,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """Snapshot and send (measured), in the engine's own modules only. With
    ``processes`` > 1, that many sender processes share the outbox and the
    connections."""
    from newsletter.audience.segments import Segment, iter_recipients
    from newsletter.context import open_context
    from newsletter.delivery import outbox, snapshots
    from newsletter.delivery.event_loop import run as run_loop
    from newsletter.delivery.messages import IssueMessages
    from newsletter.delivery.smtp import SmtpPool
    from newsletter.delivery.template import TemplateMessage
    from newsletter.delivery.worker import RunEnd, Worker
    from newsletter.editorial.issue_status import transition_issue
    from newsletter.models import DeliveryStatus, IssueStatus, Language, Membership
    from newsletter.store.editorial import Issue

    rss_imports = peak_rss_mb()
    per_process = max(1, connections // processes)
    helpers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--helper",
                "--folder",
                str(folder),
                "--port",
                str(port),
                "--connections",
                str(per_process),
                "--message-size",
                str(size),
                "--batch",
                str(batch),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(processes - 1)
    ]
    settings = bench_settings(folder, port, per_process, batch)
    ctx = open_context(settings, migrate=False)
    issue_id = 1
    everyone = {"tous": Segment(id="tous", title={"fr": "Tous"})}
    try:
        started = time.perf_counter()
        cpu_snapshot = cpu_seconds()
        with ctx.db.session() as session:
            stream = iter_recipients(session, everyone, ["tous"])
            send = snapshots.snapshot(session, settings, issue_id, ["tous"], stream)
            assert send.total == count
            send_id = send.id
            issue_row = session.get(Issue, issue_id)
            assert issue_row is not None
            transition_issue(issue_row, IssueStatus.sending)
        snapshot = time.perf_counter() - started
        cpu_snapshot = cpu_seconds() - cpu_snapshot
        rss_snapshot = peak_rss_mb()

        message = TemplateMessage(template(size))
        factory = IssueMessages(settings, issue_id, lambda language, membership: message)
        sample = factory(outbox.Claimed(1, 1, "a@example.net", "A", Language.fr,
                                        Membership.none, "<x@example.org>", 1))[0]  # fmt: skip

        time.sleep(3 if helpers else 0)  # let the helpers import and connect

        cpu_used: list[float] = []

        async def run() -> float:
            pool = SmtpPool.from_settings(settings)
            worker = Worker(ctx.db, settings, pool)
            began = time.perf_counter()
            cpu_began = cpu_seconds()
            (folder / "go").touch()
            result = await worker.run_send(send_id, factory, asyncio.Event())
            assert result.end in (RunEnd.finished, RunEnd.busy), result
            while helpers and any(h.poll() is None for h in helpers):
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - began
            cpu_used.append(cpu_seconds() - cpu_began)
            worker.unregister()
            await pool.close()
            return elapsed

        sending = run_loop(run())
        helper_figures = [json.loads((h.communicate()[0] or "{}").strip() or "{}") for h in helpers]
        with ctx.db.session() as session:
            assert outbox.counts(session, send_id)[DeliveryStatus.sent] == count
        return {"count": count, "snapshot_s": snapshot, "send_s": sending,
                "total_s": snapshot + sending, "rate": count / sending,
                "rate_end_to_end": count / (snapshot + sending),
                "message_bytes": len(sample), "peak_rss_mb": peak_rss_mb(),
                "rss_after_imports_mb": rss_imports,
                "rss_after_snapshot_mb": rss_snapshot, "processes": processes,
                "cpu_s": cpu_used[0], "cpu_snapshot_s": cpu_snapshot, "load": os.getloadavg()[0],
                "helper_peak_rss_mb": max([h["peak_rss_mb"] for h in helper_figures] or [0]),
                "sent_by_helpers": sum(h["sent"] for h in helper_figures)}  # fmt: skip
    finally:
        ctx.close()


# --- the end-to-end mode: ``issue send`` as users run it -----------------------------

DUTCH_HOURS = "Het spreekuur begint om negen uur. Kom gerust langs met uw vragen. " * 12
FRENCH_HOURS = "La permanence ouvre à neuf heures. Venez avec vos questions. " * 12


def cli_env(folder: Path, port: int, connections: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()  # DKIM_*: a signed send, as configured
           if not k.startswith("NEWSLETTER_") or k.startswith("NEWSLETTER_DKIM_")}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({
        "NEWSLETTER_DATA_DIR": str(folder), "NEWSLETTER_SECRET_KEY": "bench-secret-key-0123456789",
        "NEWSLETTER_BOUNCE_ADDRESS": "bounces@example.org",
        "NEWSLETTER_BASE_URL": "https://news.example.org",
        "NEWSLETTER_FROM_ADDRESS": "Coordination sociale <news@example.org>",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(port),
        "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_SMTP_CONNECTIONS": str(connections),
        "NEWSLETTER_LISTS_DIR": str(ROOT / "lists"),
        "NEWSLETTER_TEMPLATES_DIR": str(ROOT / "templates"),
    })  # fmt: skip
    if os.environ.get(DATABASE_VARIABLE):
        env["NEWSLETTER_DATABASE_URL"] = os.environ[DATABASE_VARIABLE]
    return env


def setup_cli(folder: Path, count: int, extra_items: int = 6) -> dict[str, Any]:
    """``count`` subscribers (French and Dutch) and a realistic issue: the project's
    sample (items in French and Dutch, two AGs, the coming AG's invitation as an .ics
    part) plus ``extra_items`` more items and two whose quoted-printable lines start with
    a dot. Returns the issue id and message sizes."""
    from sqlalchemy import insert

    from newsletter.config import load_settings
    from newsletter.context import open_context
    from newsletter.editorial.news_status import transition_news
    from newsletter.intake.news import submit_news
    from newsletter.models import Language, NewsStatus, SubscriberStatus
    from newsletter.render import prepare_issue
    from newsletter.store.audience import Subscriber
    from tests.content.sample import build_sample

    os.environ.update(cli_env(folder, 0, 1))
    ctx = open_context(load_settings())
    settings = ctx.settings
    with ctx.db.session() as session:
        for title, body, language in (
            ("Nouveaux horaires de la permanence", FRENCH_HOURS, Language.fr),
            ("Nieuwe uren van het spreekuur", DUTCH_HOURS, Language.nl),
        ):
            item = submit_news(session, settings, title=title, body=body, language=language,
                               organisation_name="Maison de quartier Exemple",
                               category="actualite")  # fmt: skip
            transition_news(item, NewsStatus.approved, actor="bench@example.org")
        issue_id = build_sample(session, settings, extra_items=extra_items)
        chunk = 5000
        for start in range(0, count, chunk):
            session.execute(insert(Subscriber), [
                {"email": f"abonne{i}@example.net", "email_key": f"abonne{i}@example.net",
                 "name": f"Abonné·e {i}", "language": Language.fr if i % 3 else Language.nl,
                 "groups": [], "roles": [], "status": SubscriberStatus.active,
                 "bounce_count": 0, "consent_source": "bench", "status_reason": ""}
                for i in range(start, min(count, start + chunk))
            ])  # fmt: skip
    with ctx.db.session() as session:
        prepared = prepare_issue(session, settings, issue_id)
        sizes, dots = [], 0
        for lang in ("fr", "nl"):
            sample = prepared.variant(lang, "none").personalize(_values())
            sizes.append(len(sample))
            dots += sample.count(b"\n.")
    ctx.close()
    return {"issue_id": issue_id, "message_bytes": max(sizes), "dot_lines": dots}


def _values() -> Any:
    from newsletter.render.contract import Personalization

    return Personalization(
        email="abonne1@example.net", name="Abonné·e 1", message_id="<1@example.org>",
        unsubscribe_url="https://news.example.org/u/x", preferences_url="https://news.example.org/p/x",
        web_url="https://news.example.org/issues/1", rsvp_url="",
    )  # fmt: skip


def run_cli(
    folder: Path, issue_id: int, port: int, connections: int, processes: int = 1
) -> dict[str, float]:
    """``newsletter issue send`` started as users start it; its wall time, CPU, peak RSS."""
    env = cli_env(folder, port, connections)
    command = [sys.executable, "-m", "newsletter", "issue", "send", str(issue_id),
               "--to", "public", "--yes", "--processes", str(processes)]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    own_peak = 0.0  # the sending process's own high-water mark, read until it exits
    while True:
        own_peak = max(own_peak, _hwm_mb(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"issue send exited with {status}")
    # ru_maxrss of the waited process counts its children too (the render child)
    return {"total_s": elapsed, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024, "own_peak_rss_mb": own_peak}  # fmt: skip


def set_up_cli(folder: Path, count: int, extra_items: int) -> dict[str, Any]:
    """``setup_cli`` in a process of its own (not measured): the issue id and sizes."""
    out = subprocess.run(
        [sys.executable, __file__, "--setup-cli", str(count), "--folder", str(folder),
         "--extra-items", str(extra_items)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    info: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return info


def engine_on_issue(count: int, extra_items: int, databases: Any, port: int,
                    connections: int) -> dict[str, float]:  # fmt: skip
    """The engine on the same realistic issue, in a fresh database (``_issue_engine``)."""
    folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-engine-"))
    os.environ.update(databases.fresh())
    try:
        issue_id = set_up_cli(folder, count, extra_items)["issue_id"]
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "_issue_engine.py"), str(folder),
             str(issue_id), str(port), str(connections)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _hwm_mb(pid: int) -> float:
    """VmHWM of a running process in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main_cli(sizes: list[int], connections: int, processes: int = 1,
             postgres: bool = False, extra_items: int = 6, repeat: int = 3) -> None:  # fmt: skip
    """Per size, ``repeat`` rounds of: ``smtp-source``, then ``issue send`` on a fresh
    database, then the engine on another; the medians are printed, with each round's
    ratio to the reference measured just before it (the machine's speed moves from
    minute to minute)."""
    ensure_postfix_tools()
    port = free_port()
    sink = start_sink(port)
    databases = Databases(postgres)
    results: list[dict[str, Any]] = []
    try:
        for count in sizes:
            rounds = []
            for _round in range(repeat):
                folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-cli-"))
                os.environ.update(databases.fresh())
                try:
                    info = set_up_cli(folder, count, extra_items)
                    reference = smtp_source(port, connections, max(20000, count // 5),
                                            info["message_bytes"])  # fmt: skip
                    figures = run_cli(folder, info["issue_id"], port, connections, processes)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                engine = engine_on_issue(count, extra_items, databases, port, connections)
                rounds.append({"count": count, **info, **figures, "engine": engine,
                               "reference": reference})  # fmt: skip
            results.append(_summarised(rounds))
    finally:
        sink.terminate()
        sink.wait()
        databases.close()
    first = results[0]
    print(f"end to end: 'newsletter issue send --processes {processes}' ({databases.name}), "
          f"{connections} connections, realistic "
          f"issue of {first['message_bytes']:,} bytes with {first['dot_lines']} lines "
          f"starting with a dot (fr + nl samples); median of {repeat} rounds of "
          f"smtp-source, issue send, the engine; 1-min load {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    for run in results:
        print(f"{run['count']:>7,} recipients: {run['total_s']:.2f} s end to end "
              f"({run['total_range']}; process start, snapshot, render, send): "
              f"{run['rate']:,.0f} msg/s = {run['ratio']:.2f} × smtp-source -d -s "
              f"{connections} (rounds: {run['ratio_range']}; smtp-source "
              f"{run['reference']:,.0f} msg/s, client CPU {run['reference_cpu']:.0f} "
              f"µs/message); CPU {run['cpu_us']:.0f} µs/message (render child included); "
              f"peak RSS of the sending process {run['own_peak_rss_mb']:.1f} MB, "
              f"of it and its render child {run['peak_rss_mb']:.1f} MB")  # fmt: skip
        print(f"         the engine on the same issue: send {run['engine_send_s']:.2f} s "
              f"({run['count'] / run['engine_send_s']:,.0f} msg/s), CPU "
              f"{run['engine_us']:.0f} µs/message, {run['engine_snapshot_us']:.0f} with "
              f"the snapshot: issue send's CPU per message is "
              f"{run['cpu_us'] / run['engine_snapshot_us']:.2f} × the engine's (its start, "
              f"checks and render child {run['fixed_cpu_s']:.2f} s of CPU)")  # fmt: skip
    if len(results) >= 2:
        small, large = results[0], results[-1]
        added = large["count"] - small["count"]
        cli = (large["cpu_us"] * large["count"] - small["cpu_us"] * small["count"]) / added
        engine = (large["engine_snapshot_us"] * large["count"]
                  - small["engine_snapshot_us"] * small["count"]) / added  # fmt: skip
        print(f"time({large['count']:,}) / time({small['count']:,}) = "
              f"{large['total_s'] / small['total_s']:.2f} "
              f"(size factor {large['count'] / small['count']:.0f}); CPU per message "
              f"from {small['count']:,} to {large['count']:,} (what the start costs "
              f"left out): issue send {cli:.0f} µs, the engine {engine:.0f} µs "
              f"({cli / engine:.2f} ×)")  # fmt: skip


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _summarised(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians of a size's rounds (and their ranges, where they say something)."""
    count = rounds[0]["count"]
    totals = [r["total_s"] for r in rounds]
    ratios = [count / r["total_s"] / r["reference"][0] for r in rounds]
    engine_cpu = [r["engine"]["cpu_s"] for r in rounds]
    engine_snapshot = [r["engine"]["cpu_s"] + r["engine"]["cpu_snapshot_s"] for r in rounds]
    cpu_us = _median([r["cpu_s"] for r in rounds]) / count * 1e6
    engine_snapshot_us = _median(engine_snapshot) / count * 1e6
    return {
        "count": count, "message_bytes": rounds[0]["message_bytes"],
        "dot_lines": rounds[0]["dot_lines"], "total_s": _median(totals),
        "total_range": f"{min(totals):.2f}–{max(totals):.2f} s",
        "rate": count / _median(totals), "ratio": _median(ratios),
        "ratio_range": f"{min(ratios):.2f}–{max(ratios):.2f}",
        "reference": _median([r["reference"][0] for r in rounds]),
        "reference_cpu": _median([r["reference"][1] for r in rounds]),
        "cpu_us": cpu_us,
        "own_peak_rss_mb": max(r["own_peak_rss_mb"] for r in rounds),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds),
        "engine_send_s": _median([r["engine"]["send_s"] for r in rounds]),
        "engine_us": _median(engine_cpu) / count * 1e6,
        "engine_snapshot_us": engine_snapshot_us,
        "fixed_cpu_s": (cpu_us - engine_snapshot_us) * count / 1e6,
    }  # fmt: skip


def _with_snapshot(run: dict[str, Any]) -> float:
    """µs of CPU per message of the main sender, its share of the snapshot included."""
    own: float = run["cpu_s"] / (run["count"] - run["sent_by_helpers"])
    snapshot: float = run["cpu_snapshot_s"] / run["count"]
    return (own + snapshot) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--message-size", type=int, default=20 * 1024)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=1,
                        help="sender processes sharing the outbox and the connections")  # fmt: skip
    parser.add_argument("--helper", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cli", action="store_true",
                        help="end to end: run 'newsletter issue send' as users do")  # fmt: skip
    parser.add_argument("--setup-cli", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--extra-items", type=int, default=6,
                        help="--cli: items added to the sample (6: 34 KB, 0: 21 KB)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3,
                        help="--cli: rounds per size (medians printed)")  # fmt: skip
    parser.add_argument("--postgres", action="store_true",
                        help="the outbox in a private PostgreSQL cluster, not SQLite")  # fmt: skip
    args = parser.parse_args()
    if args.setup_cli:
        print(json.dumps(setup_cli(args.folder, args.setup_cli, args.extra_items)))
        return
    if args.cli:
        main_cli([int(s) for s in args.sizes.split(",")], args.connections, args.processes,
                 args.postgres, args.extra_items, max(1, args.repeat))  # fmt: skip
        return
    if args.setup:
        setup(args.folder, args.setup)
        return
    if args.helper:
        print(json.dumps(helper(args.folder, args.port, args.connections,
                                args.message_size, args.batch)))  # fmt: skip
        return
    if args.child:
        env = dict(os.environ)
        figures = child(args.folder, args.child, args.port, args.connections,
                        args.message_size, args.batch, args.processes, env)  # fmt: skip
        print(json.dumps(figures))
        return

    ensure_postfix_tools()
    # children import from cached bytecode, as an installed application does
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "newsletter-pycache"))
    port = free_port()
    sink = start_sink(port)
    databases = Databases(args.postgres)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
        runs = []
        for count in sizes:
            folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
            env.update(databases.fresh())
            try:
                setup_command = [sys.executable, __file__, "--setup", str(count),
                                 "--folder", str(folder)]  # fmt: skip
                subprocess.run(setup_command, check=True, cwd=ROOT, env=env)
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(count), "--port", str(port),
                     "--folder", str(folder), "--connections", str(args.connections),
                     "--message-size", str(args.message_size), "--batch", str(args.batch),
                     "--processes", str(args.processes)],
                    check=True, capture_output=True, text=True, cwd=ROOT, env=env,
                )  # fmt: skip
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        reference, reference_cpu = smtp_source(port, args.connections, max(20000, min(sizes)),
                                args.message_size)  # fmt: skip
    finally:
        sink.terminate()
        sink.wait()
        databases.close()

    print(f"connections: {args.connections}, sender processes: {args.processes}, "
          f"message size: {runs[0]['message_bytes']} bytes, batch: {args.batch}, "
          f"database: {databases.name}")  # fmt: skip
    print(f"smtp-source reference: {reference:,.0f} msg/s, "
          f"client CPU {reference_cpu:.0f} µs/message "
          f"(1-min load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")  # fmt: skip
    for run in runs:
        print(
            f"{run['count']:>7,} recipients: send {run['send_s']:.2f} s "
            f"({run['rate']:,.0f} msg/s, {run['rate'] / reference:.1%} of smtp-source), "
            f"snapshot {run['snapshot_s']:.2f} s, end to end {run['total_s']:.2f} s "
            f"({run['rate_end_to_end']:,.0f} msg/s), sender CPU "
            f"{run['cpu_s'] / (run['count'] - run['sent_by_helpers']) * 1e6:.0f} µs/message "
            f"(≈ {(run['count'] - run['sent_by_helpers']) / run['cpu_s']:,.0f} msg/CPU-s; "
            f"{_with_snapshot(run):.0f} µs/message "
            f"with the snapshot), "
            f"load {run['load']:.1f}, peak RSS {run['peak_rss_mb']:.1f} MB "
            f"(after imports {run['rss_after_imports_mb']:.1f} MB, after snapshot "
            f"{run['rss_after_snapshot_mb']:.1f} MB, growth "
            f"{run['peak_rss_mb'] - run['rss_after_imports_mb']:.1f} MB)"
            + (
                f", extra processes sent {run['sent_by_helpers']:,} (peak RSS "
                f"{run['helper_peak_rss_mb']:.1f} MB)"
                if run["processes"] > 1
                else ""
            )
        )
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        factor = large["count"] / small["count"]
        print(f"time({large['count']:,}) / time({small['count']:,}) = "
              f"{large['total_s'] / small['total_s']:.2f} (size factor {factor:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
