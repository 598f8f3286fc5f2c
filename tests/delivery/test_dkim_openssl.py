"""The DKIM-Signature header signed through OpenSSL is byte for byte dkimpy's own for the
same message and timestamp, whatever the message's line endings; an unusable key file is
refused when the signer is made, with a message that names it."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import dkim
import pytest

from newsletter.config import Settings
from newsletter.delivery.dkim import SIGNED_HEADERS, DkimSigner
from newsletter.errors import ConfigurationError
from tests.delivery.helpers import TEMPLATE


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    return path.read_bytes()


def dkimpy(message: bytes, pem: bytes) -> bytes:
    signature: bytes = dkim.sign(message, b"news2026", b"example.org", pem,
                                 include_headers=SIGNED_HEADERS, linesep=b"\r\n")  # fmt: skip
    return signature


def timestamp(signature: bytes) -> int:
    found = re.search(rb"\bt=(\d+);", signature)
    assert found is not None
    return int(found.group(1))


MESSAGE = TEMPLATE.replace(b"{{to}}", b"a@example.org").replace(b"{{", b"").replace(b"}}", b"")

#: CRLF throughout (as the engine builds them), bare LF, mixed, trailing blank lines,
#: folded and repeated headers, an empty body, headers only, long lines
MESSAGES = {
    "crlf": MESSAGE,
    "lf": MESSAGE.replace(b"\r\n", b"\n"),
    "mixed": MESSAGE.replace(b"\r\n", b"\n", 3),
    "trailing blank lines": MESSAGE + b"\r\n\r\n\r\n",
    "folded and repeated": b"From: A <a@example.org>\r\nTo: b@example.net,\r\n\t c@example.net"
    b"\r\nSubject:  Lettre   de\r\n  d\xc3\xa9cembre \r\nTo: d@example.net\r\n\r\n body  \r\n",
    "empty body": b"From: a@example.org\r\nSubject: x\r\n\r\n",
    "headers only": b"From: a@example.org\r\nSubject: x\r\n",
    "long lines": b"From: a@example.org\r\nSubject: "
    + b"mot " * 300
    + b"\r\n\r\n"
    + b"x" * 5000
    + b"\r\n.\r\n..\r\n",
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_signature_is_dkimpys_byte_for_byte(pem: bytes, name: str) -> None:
    message = MESSAGES[name]
    signer = DkimSigner("example.org", "news2026", pem)
    expected = dkimpy(message, pem)
    assert signer.signature(message, timestamp(expected)) == expected
    other = signer.signature(message, timestamp(expected) + 1)
    assert other != expected and timestamp(other) == timestamp(expected) + 1


def test_the_timestamp_is_now_by_default(pem: bytes) -> None:
    signer = DkimSigner("example.org", "news2026", pem)
    before = int(time.time())
    stamp = timestamp(signer.signature(MESSAGE))
    assert before <= stamp <= before + 5


def write(tmp_path: Path, data: bytes) -> Settings:
    path = tmp_path / "dkim.pem"
    path.write_bytes(data)
    return Settings(dkim_domain="example.org", dkim_selector="news2026", dkim_key_file=path)


def ed25519_pem() -> bytes:
    return subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"], check=True,
                          capture_output=True).stdout  # fmt: skip


def encrypted_pem(pem: bytes) -> bytes:
    return subprocess.run(["openssl", "rsa", "-aes256", "-passout", "pass:secret"], input=pem,
                          check=True, capture_output=True).stdout  # fmt: skip


@pytest.mark.parametrize("kind", ["garbage", "public key", "ed25519", "encrypted", "truncated"])
def test_an_unusable_key_is_refused_when_the_signer_is_made(
    tmp_path: Path, pem: bytes, kind: str
) -> None:
    public = subprocess.run(["openssl", "rsa", "-pubout"], input=pem, check=True,
                            capture_output=True).stdout  # fmt: skip
    data = {
        "garbage": b"not a key\n",
        "public key": public,
        "ed25519": ed25519_pem(),
        "encrypted": encrypted_pem(pem),
        "truncated": pem[: len(pem) // 2],
    }[kind]
    settings = write(tmp_path, data)
    with pytest.raises(ConfigurationError) as refused:
        DkimSigner.from_settings(settings)
    assert str(settings.dkim_key_file) in str(refused.value)
    assert "RSA private key" in str(refused.value)


def test_a_good_key_file_makes_a_signer(tmp_path: Path, pem: bytes) -> None:
    signer = DkimSigner.from_settings(write(tmp_path, pem))
    assert signer is not None
    assert signer.sign(MESSAGE).startswith(b"DKIM-Signature: v=1; a=rsa-sha256;")


def test_other_headers_are_signed_as_dkimpy_signs_them(pem: bytes) -> None:
    """A list copy's signature covers its own headers (``mailinglist.relay``)."""
    message = b"Sender: liste@example.org\r\nList-Post: <mailto:l@example.org>\r\n" + MESSAGE
    headers = [b"From", b"Sender", b"List-Post", b"Subject", b"Cc"]
    signer = DkimSigner("example.org", "news2026", pem)
    expected: bytes = dkim.sign(message, b"news2026", b"example.org", pem,
                                include_headers=headers, linesep=b"\r\n")  # fmt: skip
    signed = signer.signature(message, timestamp(expected), headers)
    assert signed == expected
    assert b"h=from : sender : list-post : subject : cc;" in signed.replace(b"\r\n ", b" ")
