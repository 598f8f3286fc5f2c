"""Mangled mail never crashes the intake: truncated, bit-flipped, re-encoded corpus."""

from __future__ import annotations

import random
from email import message_from_bytes

from newsletter.intake.mail.bounces import parse_bounce
from newsletter.intake.mail.parse import parse_submission
from newsletter.models import InboundOutcome
from newsletter.service import Service
from tests.inbound.conftest import add_partners, corpus, corpus_names


def _mangled(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out: list[bytes] = []
    for index, name in enumerate(corpus_names()):
        # a Message-ID of its own, so that each variant is processed, not a duplicate
        raw = corpus(name).replace(b"Message-ID: <", f"Message-ID: <v{index}.".encode(), 1)
        for variant in range(6):
            data = bytearray(raw.replace(b"Message-ID: <", f"Message-ID: <{variant}.".encode(), 1))
            for _ in range(rng.randint(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            out.append(bytes(data))
        out.append(raw[: rng.randrange(len(raw))])
        out.append(raw.replace(b"\r\n", b"\n"))
        out.append(raw.replace(b"\r\n", b"\r"))
        out.append(raw.replace(b"boundary=", b"boundary=x"))
    return out


def test_parsers_never_raise() -> None:
    for raw in _mangled(2026):
        parsed = parse_submission(raw, max_attachment=10 * 1024 * 1024)
        assert parsed.problem is not None or isinstance(parsed.body, str)
        assert "\n" not in parsed.title and "\r" not in parsed.title
        parse_bounce(message_from_bytes(raw), own_addresses={"bounces@example.org"})


def test_every_mangled_message_is_recorded(service: Service) -> None:
    add_partners(service.ctx)
    messages = _mangled(7)[::9]
    results = [service.intake.ingest_bytes(raw) for raw in messages]
    assert len(results) == len(messages)
    assert all(isinstance(r.outcome, InboundOutcome) for r in results)
    assert len(service.intake.messages(limit=1000)) == len(messages)
