"""Turn what a partner typed (Markdown, HTML or plain text) into safe HTML.

Every body that reaches an e-mail goes through ``to_safe_html``: Markdown is rendered
with markdown-it-py (raw HTML inside it is not trusted either), then the one allow-list of
tags and attributes (``newsletter.text.sanitize_html``) keeps a small subset. Scripts,
styles, event handlers, forms, iframes, ``javascript:`` links and remote tracking pixels
never survive.
"""

from __future__ import annotations

import html
from typing import Literal

from markdown_it import MarkdownIt

from newsletter.text import sanitize_html

BodyFormat = Literal["markdown", "html", "text"]

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])


def markdown_to_html(source: str) -> str:
    """CommonMark (with tables) to sanitised HTML; inline HTML is shown as text."""
    return sanitize_html(_markdown.render(source))


def text_to_html(source: str) -> str:
    """Plain text to paragraphs: blank lines separate paragraphs, newlines become <br>."""
    paragraphs = [part.strip() for part in source.replace("\r\n", "\n").split("\n\n")]
    rendered = [
        "<p>" + "<br>\n".join(html.escape(line) for line in part.split("\n")) + "</p>"
        for part in paragraphs
        if part
    ]
    return sanitize_html("\n".join(rendered))


def to_safe_html(source: str, body_format: BodyFormat) -> str:
    """The one entry point: any accepted body format to sanitised HTML."""
    if body_format == "markdown":
        return markdown_to_html(source)
    if body_format == "html":
        return sanitize_html(source)
    if body_format == "text":
        return text_to_html(source)
    raise ValueError(f"unknown body format {body_format!r}")


def guess_format(filename: str) -> BodyFormat:
    """Body format from a file name: .html/.htm, .txt, anything else Markdown."""
    lowered = filename.lower()
    if lowered.endswith((".html", ".htm")):
        return "html"
    if lowered.endswith(".txt"):
        return "text"
    return "markdown"
