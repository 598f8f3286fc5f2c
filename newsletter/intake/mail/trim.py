"""Plain-text bodies: forwarded content kept, quoted replies and signatures trimmed.

Only what is unambiguous is trimmed: the RFC 3676 signature separator ("-- "), the
"sent from my phone" line, a reply's attribution line followed by quoted lines, and
the original message below an Outlook separator in a reply. A forward keeps the
forwarded text (without its From:/To:/Subject: block); the forwarder's own words
before it are returned apart, as a note for the coordinator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the line that starts a forwarded message, in the clients and languages partners use
FORWARD_MARKERS = (
    re.compile(r"^-{2,}\s*(?:Forwarded|Original)\s+message\s*-{2,}", re.I),
    re.compile(r"^-{2,}\s*Message\s+(?:transféré|transfere|d'origine|original)\s*-{2,}", re.I),
    re.compile(r"^-{2,}\s*(?:Doorgestuurd|Oorspronkelijk)\s+bericht\s*-{2,}", re.I),
    re.compile(r"^-{2,}\s*(?:Weitergeleitete|Ursprüngliche)\s+Nachricht\s*-{2,}", re.I),
    re.compile(
        r"^(?:Begin forwarded message|Début du message réexpédié|"
        r"Doorgestuurd bericht|Begin doorgestuurd bericht)\s*:",
        re.I,
    ),
)
#: Outlook separates the original with a line of underscores or "-----Original Message-----"
OUTLOOK_SEPARATOR = re.compile(
    r"^(?:_{20,}|-{3,}\s*(?:Original Message|Message d'origine|Oorspronkelijk bericht|"
    r"Ursprüngliche Nachricht)\s*-{3,})\s*$",
    re.I,
)
#: "On Mon, … wrote:", "Le lun. … a écrit :", "Op ma … schreef …:", "Am … schrieb …:"
REPLY_MARKERS = (
    re.compile(r"^On\b.{0,200}\bwrote\s*:\s*$", re.I | re.S),
    re.compile(r"^Le\b.{0,200}\ba\s+écrit\s*:\s*$", re.I | re.S),
    re.compile(r"^Op\b.{0,200}\bschreef\b.{0,200}:\s*$", re.I | re.S),
    re.compile(r"^Am\b.{0,200}\bschrieb\b.{0,200}:\s*$", re.I | re.S),
)
HEADER_LINE = re.compile(
    r"^\*?(?:From|Sent|To|Cc|Bcc|Subject|Date|Reply-To|De|Envoyé|Envoye|Date|À|A|Objet|"
    r"Cc|Van|Verzonden|Aan|Onderwerp|Datum|Von|Gesendet|An|Betreff)\*?\s*:",
    re.I,
)
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(
    r"^(?:Sent from my|Envoyé de mon|Envoyé depuis mon|Verzonden (?:vanaf|met) mijn|"
    r"Get Outlook for|Obtenir Outlook pour|Outlook voor)\b",
    re.I,
)


@dataclass
class Trimmed:
    text: str
    #: the forwarder's words before the forwarded message ("" when none)
    preface: str = ""
    forwarded_subject: str = ""


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676)."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line != "-- " and line.endswith(" "):
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _cut_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) and index > 0:
            return lines[:index]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if lines and _MOBILE.match(lines[-1].strip()):
        lines = lines[:-1]
    return lines


def _header_block_end(lines: list[str], start: int) -> tuple[int, str]:
    """Index after a forwarded header block starting at ``start``, and its subject."""
    index = start
    subject = ""
    seen = 0
    while index < len(lines):
        line = lines[index].strip().lstrip(">").strip()
        if not line:
            if seen:
                index += 1
                break
            index += 1
            continue
        if not HEADER_LINE.match(line):
            break
        name, _, value = line.partition(":")
        if name.strip("* ").lower() in {"subject", "objet", "onderwerp", "betreff"}:
            subject = value.strip()
        seen += 1
        index += 1
    return index, subject


def _unquote(lines: list[str]) -> list[str]:
    quoted = [line for line in lines if line.strip()]
    if quoted and all(line.startswith(">") for line in quoted):
        return [line[1:].removeprefix(" ") if line.startswith(">") else line for line in lines]
    return lines


def trim_text(text: str, *, forward: bool, reply: bool) -> Trimmed:
    """Trim a plain-text body (already decoded and with ``\\n`` line ends)."""
    lines = text.split("\n")
    # 1. a forwarded message: keep what follows the marker, minus its header block
    for index, line in enumerate(lines):
        stripped = line.strip()
        is_marker = any(m.match(stripped) for m in FORWARD_MARKERS)
        if not is_marker and forward and OUTLOOK_SEPARATOR.match(stripped):
            is_marker = True
        if is_marker:
            preface = "\n".join(_cut_signature(lines[:index])).strip()
            end, subject = _header_block_end(lines, index + 1)
            rest = _unquote(lines[end:])
            body = "\n".join(_cut_signature(_trim_reply(rest))).strip()
            return Trimmed(body, preface=preface, forwarded_subject=subject)
    # 2. a reply: drop the quoted original
    lines = _trim_reply(lines, outlook=reply)
    return Trimmed("\n".join(_cut_signature(lines)).strip())


def _trim_reply(lines: list[str], *, outlook: bool = False) -> list[str]:
    """Cut at an attribution line followed by quoted text, or at trailing quotes."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if outlook and OUTLOOK_SEPARATOR.match(stripped):
            return lines[:index]
        if any(m.match(stripped) for m in REPLY_MARKERS):
            following = [x for x in lines[index + 1 :] if x.strip()]
            if following and following[0].startswith(">"):
                return lines[:index]
    # a block of quoted lines at the very end
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith(">")):
        end -= 1
    if end < len(lines) and any(line.startswith(">") for line in lines[end:]) and end > 0:
        return lines[:end]
    return lines
