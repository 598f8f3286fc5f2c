"""Benchmark of bounce recognition on Mailman's corpus (prints figures; no pass/fail).

The corpus is ``flufl.bounce``'s own test data: about 120 real bounces from qmail,
Postfix, Exim, Exchange/Microsoft, Yahoo, AOL, GroupWise, Sendmail… with the failed
addresses its tests expect (``tests/test_detectors.py``). The wheel we install has no
tests, so the sdist of the installed version is downloaded with pip at run time into a
temporary folder (nothing is copied into the repository); ``--sdist FILE`` uses a
downloaded one.

Printed: recall and precision of the failed addresses (a DSN recipient counts by its
Final-Recipient or its Original-Recipient, the address we sent to) found by
``intake.mail.bounces.parse_bounce`` against that expectation, the share of failures
classified hard / soft / not the address's fault, and what the whole intake makes of
each message (an empty SQLite database, no BOUNCE_ADDRESS): a bounce must never
become a news item.

    uv run python bench/bounces.py
    uv run python bench/bounces.py --sdist /tmp/flufl_bounce-6.0.0.tar.gz --show
"""

from __future__ import annotations

import argparse
import ast
import collections
import subprocess
import sys
import tarfile
import tempfile
from email import message_from_bytes
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def download_sdist(folder: Path) -> Path:
    """The sdist of the installed flufl.bounce, fetched with pip."""
    wanted = f"flufl.bounce=={version('flufl.bounce')}"
    for pip in ([sys.executable, "-m", "pip"], ["python3", "-m", "pip"], ["pip"]):
        try:
            subprocess.run(
                [*pip, "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                 "-d", str(folder), wanted],
                check=True, capture_output=True,
            )  # fmt: skip
        except (OSError, subprocess.CalledProcessError):
            continue
        found = sorted(folder.glob("flufl*bounce-*.tar.gz"))
        if found:
            return found[0]
    sys.exit(f"could not download the sdist of {wanted} with pip")


def corpus(sdist: Path) -> tuple[dict[str, bytes], dict[str, set[str]]]:
    """The messages of the corpus, and the failed addresses expected in each."""
    messages: dict[str, bytes] = {}
    expected: dict[str, set[str]] = collections.defaultdict(set)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            path = Path(member.name)
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            if path.parent.name == "data" and path.suffix == ".txt":
                messages[path.name] = handle.read()
            elif path.name == "test_detectors.py":
                tree = ast.parse(handle.read().decode("utf-8"))
                for node in ast.walk(tree):
                    if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "DETECTORS" for t in node.targets
                    ):
                        for _module, name, addresses, _temporary in ast.literal_eval(node.value):
                            expected[name] |= {a.decode().lower() for a in addresses}
    return messages, {name: set(expected.get(name, set())) for name in messages}


def outcomes(messages: dict[str, bytes]) -> dict[str, str]:
    """What the intake makes of each message: one empty database, no BOUNCE_ADDRESS."""
    from pydantic import SecretStr

    from newsletter.config import Settings
    from newsletter.context import open_context
    from newsletter.service import Service

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder), secret_key=SecretStr("bench"), intake_dkim_verify=False
        )
        ctx = open_context(settings)
        try:
            service = Service(ctx)
            return {
                name: service.intake.ingest_bytes(data).outcome.value
                for name, data in sorted(messages.items())
            }
        finally:
            ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, help="a downloaded flufl.bounce sdist")
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args()

    from newsletter.intake.mail.bounces import parse_bounce

    with tempfile.TemporaryDirectory() as folder:
        sdist = args.sdist or download_sdist(Path(folder))
        messages, expected = corpus(sdist)
    true_pos = false_pos = false_neg = 0
    severities: collections.Counter[str] = collections.Counter()
    formats: collections.Counter[str] = collections.Counter()
    not_bounces = []
    for name, data in sorted(messages.items()):
        bounce = parse_bounce(message_from_bytes(data))
        want = expected[name]
        found: set[str] = set()
        hits = 0
        for recipient in bounce.recipients if bounce else []:
            # a DSN's Final-Recipient, or its Original-Recipient (the address we sent to)
            names = {a.lower() for a in recipient.addresses}
            found.add(sorted(names & want)[0] if names & want else recipient.address.lower())
        hits = len(found & want)
        true_pos += hits
        false_pos += len(found - want)
        false_neg += len(want - found)
        if bounce is None:
            not_bounces.append(name)
        else:
            formats[bounce.format] += 1
            severities.update(r.severity.value for r in bounce.failed)
        if args.show and found != want:
            print(f"  {name}: expected {sorted(want)}, found {sorted(found)}")
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    with_address = sum(1 for want in expected.values() if want)
    print(f"corpus: {sdist.name}, {len(messages)} messages, {with_address} naming a failed address")
    print(f"failed addresses: {true_pos + false_neg} expected, {true_pos + false_pos} found")
    print(f"recall    {recall:6.1%}  ({true_pos}/{true_pos + false_neg})")
    print(f"precision {precision:6.1%}  ({true_pos}/{true_pos + false_pos})")
    total = sum(severities.values()) or 1
    print(
        "failures: "
        + ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in sorted(severities.items()))
    )
    print("read by: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items())))
    print(f"not recognised as bounces: {len(not_bounces)} {not_bounces}")
    results = outcomes(messages)
    counted = collections.Counter(results.values())
    print("intake outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counted.items())))
    items = sorted(name for name, outcome in results.items() if outcome == "item")
    print(f"became news items: {len(items)} {items}")


if __name__ == "__main__":
    main()
