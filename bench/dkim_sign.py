"""CPU time of DKIM signing per message (uv run python bench/dkim_sign.py [--count N]).

Signs the same newsletter-sized message (``--size`` bytes of quoted-printable text and
HTML) ``--count`` times with a fresh 2048-bit RSA key, through ``DkimSigner.signature``
as a send does, and prints the median and 95th percentile of the wall and CPU time per
message. The RSA step is OpenSSL's (``cryptography``); the rest (parsing,
canonicalisation, header layout) is dkimpy's Python. Run it un-niced and print ``uptime``
around it.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from _timing import timed

from newsletter.delivery.dkim import DkimSigner


def _message(size: int) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Coordination sociale <news@example.org>"
    message["To"] = "Accueil <accueil@maison.example.org>"
    message["Subject"] = "Lettre de décembre"
    message["Date"] = "Wed, 02 Dec 2026 07:00:00 +0100"
    message["Message-ID"] = "<issue-1.2.abc@example.org>"
    message["List-Id"] = "Coordination sociale <news.example.org>"
    text = ("La permanence ouvre à neuf heures. Venez avec vos questions. " * 2000)[: size // 2]
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(f"<p>{text}</p>", subtype="html", cte="quoted-printable")
    return message.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--bits", type=int, default=2048)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "dkim.pem"
        subprocess.run(["openssl", "genrsa", "-out", str(key), str(args.bits)],
                       check=True, capture_output=True)  # fmt: skip
        signer = DkimSigner("example.org", "news", key.read_bytes())
    data = _message(args.size)
    signer.signature(data)  # dkimpy and cryptography loaded outside the measure
    timing = timed(lambda: signer.signature(data), args.count)
    print(f"DKIM {args.bits}-bit, {len(data):,} B message, {args.count} signatures")
    print(f"  CPU  median {timing.cpu_median:.2f} ms, p95 {timing.cpu_p95:.2f} ms per message")
    print(f"  wall median {timing.median:.2f} ms, p95 {timing.p95:.2f} ms per message")


if __name__ == "__main__":
    main()
