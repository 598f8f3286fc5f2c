"""The links of an issue through the counting redirect (``CLICK_COUNTING``), per variant.

Done once per variant on its finished HTML and text (``prepare.render_variant``), never
per recipient: every http(s) link of the content becomes ``links.click_url`` (a token
signed with the secret key that carries the issue and the URL), the same for every
reader, so the splice is unchanged and nothing in the link says who follows it. The
per-recipient links (unsubscribe, preferences, web version, RSVP: the placeholders of
the render) are the reader's own and are left alone, as are ``mailto:`` and other
schemes, and links already through the redirect.

With individual tracking (``CLICK_TRACKING_INDIVIDUAL``), each counted link ends with
the placeholder of the reader's part (``Slot.click_person``), filled in by the splice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from newsletter.config import Settings
from newsletter.links import click_url

#: an href attribute with an http(s) address, quoted with " or '
_HREF = re.compile(r"""(\shref\s*=\s*)(["'])(https?://[^"'<>\s]*)\2""", re.I)
#: an address in the text part; trailing punctuation is the sentence's
_TEXT_URL = re.compile(r"https?://[^\s<>\"]+", re.I)
_TRAILING = ".,;:!?)]}'»"


def _converter(settings: Settings, issue_id: int) -> Callable[[str], str]:
    made: dict[str, str] = {}
    own = settings.base_url.rstrip("/") + "/r/"

    def convert(url: str) -> str:
        if url.startswith(own):
            return url
        if url not in made:
            made[url] = click_url(settings, issue_id, url)
        return made[url]

    return convert


def track_links(
    settings: Settings, issue_id: int, html_body: str, text_body: str, *, nonce: str,
    person: str = "",
) -> tuple[str, str]:  # fmt: skip
    """``(html, text)`` with the content's links through the counting redirect.

    ``nonce`` is the render's marker nonce: an address holding a placeholder is a
    per-recipient link and stays. ``person`` (a placeholder word, individual tracking)
    is appended to every counted link."""
    convert = _converter(settings, issue_id)

    def in_html(match: re.Match[str]) -> str:
        value = match.group(3)
        if nonce in value:
            return match.group(0)
        url = html.unescape(value)
        return f"{match.group(1)}{match.group(2)}{convert(url)}{person}{match.group(2)}"

    def in_text(match: re.Match[str]) -> str:
        value = match.group(0)
        if nonce in value:
            return value
        url = value.rstrip(_TRAILING)
        if url.count("(") > url.count(")") and value[len(url) :].startswith(")"):
            url += ")"  # a Wikipedia-style address keeps its closing parenthesis
        return convert(url) + person + value[len(url) :]

    return _HREF.sub(in_html, html_body), _TEXT_URL.sub(in_text, text_body)
