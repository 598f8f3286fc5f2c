"""Turn what a partner typed (Markdown, HTML or plain text) into safe HTML.

Every body that reaches an e-mail goes through ``to_safe_html``: Markdown is rendered
with cmark-gfm (raw HTML inside it is shown as text, never trusted), then nh3 keeps a
small allow-list of tags and attributes. Scripts, styles, event handlers, forms, iframes,
``javascript:`` links and remote tracking pixels never survive.

cmark-gfm parses in time linear in the input, also on pathological text (thousands of
``![`` or ``[`` that never close cost markdown-it-py quadratic time: 54 s for 1 MB); the
length of what is rendered is limited by the callers (``intake.limits``).
"""

from __future__ import annotations

import html
import re
from typing import Literal

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

BodyFormat = Literal["markdown", "html", "text"]

#: tags a news body may keep (headings are demoted in rendering, see templates)
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li",
        "blockquote", "h3", "h4", "hr", "code", "pre", "sub", "sup", "small",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": {"colspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: removed together with their content, not just unwrapped
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})
#: heading levels above h3 are mapped down so that an item never outranks its section
_HEADING_MAP = {"<h1": "<h3", "</h1>": "</h3>", "<h2": "<h3", "</h2>": "</h3>"}
_HEADING_MAP.update({"<h5": "<h4", "</h5>": "</h4>", "<h6": "<h4", "</h6>": "</h4>"})

_MARKDOWN_OPTIONS = Options.CMARK_OPT_DEFAULT  # safe: raw HTML is never passed through
_EXTENSIONS = ["table", "strikethrough"]
#: stands for "<" while cmark reads the text, so that no tag is ever raw HTML to it
_LT = "\ue000"
#: "<" that opens an autolink (<https://…>, <name@example.org>) stays what it is
#: deeper nesting than this is not kept as structure (the HTML cleaner's time grows with
#: the square of the depth: 10,000 nested "> " quotes took 1.7 s)
MAX_DEPTH = 32
_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li|em|strong|del|table|p|h[1-6]|pre|code|a)\b")
_NOT_AUTOLINK = re.compile(r"<(?!(?:https?://|mailto:)[^\s<>]*>|[^\s<>@]+@[^\s<>@]+>)")


def sanitize_html(fragment: str) -> str:
    """The allow-listed subset of an HTML fragment; links get rel=noopener."""
    for old, new in _HEADING_MAP.items():
        fragment = fragment.replace(old, new).replace(old.upper(), new)
    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


def markdown_to_html(source: str) -> str:
    """CommonMark (with tables) to sanitised HTML; inline HTML is shown as text."""
    source = _NOT_AUTOLINK.sub(_LT, source.replace(_LT, "\ufffd"))
    rendered: str = cmarkgfm.markdown_to_html_with_extensions(
        source, options=_MARKDOWN_OPTIONS, extensions=_EXTENSIONS
    )
    if _too_deep(rendered):
        return text_to_html(source.replace(_LT, "<"))
    rendered = rendered.replace(_LT, "&lt;").replace("<del>", "<s>").replace("</del>", "</s>")
    return sanitize_html(rendered)


def _too_deep(rendered: str) -> bool:
    """True when elements nest deeper than MAX_DEPTH (one linear pass over the tags)."""
    depth = 0
    for match in _TAG.finditer(rendered):
        depth += -1 if match.group(1) else 1
        if depth > MAX_DEPTH:
            return True
    return False


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
