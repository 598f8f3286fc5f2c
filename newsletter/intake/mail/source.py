"""Raw messages from files or a pipe, read without ever holding more than the limit.

A message over ``INTAKE_MAX_MESSAGE`` bytes is not read whole: its first
``HEAD_KEEP`` bytes (enough for the headers) are kept so that it can be recorded and
quarantined, and the rest of a pipe is drained so the MTA sees a clean exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

HEAD_KEEP = 256 * 1024
_CHUNK = 1024 * 1024


@dataclass
class RawMessage:
    #: the whole message, or only its head when ``truncated``
    data: bytes
    #: size of the whole message in bytes
    size: int
    truncated: bool
    label: str = ""


def strip_envelope_line(data: bytes) -> bytes:
    """Drop the mbox ``From sender date`` line that some MTAs and clients put first."""
    if data.startswith(b"From "):
        newline = data.find(b"\n")
        return data[newline + 1 :] if newline >= 0 else b""
    return data


def read_stream(stream: BinaryIO, max_size: int, label: str = "-") -> RawMessage:
    """Read a message from a pipe; past ``max_size`` keep the head and drain the rest."""
    kept = bytearray()
    size = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size <= max_size:
            kept += chunk
        elif len(kept) < HEAD_KEEP:
            kept += chunk[: HEAD_KEEP - len(kept)]
    if size > max_size:
        return RawMessage(strip_envelope_line(bytes(kept[:HEAD_KEEP])), size, True, label)
    return RawMessage(strip_envelope_line(bytes(kept)), size, False, label)


def read_file(path: Path, max_size: int) -> RawMessage:
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size > max_size:
            head = handle.read(HEAD_KEEP)
            return RawMessage(strip_envelope_line(head), size, True, str(path))
        return read_stream(handle, max_size, str(path))
