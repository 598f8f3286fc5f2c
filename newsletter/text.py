"""Text helpers every stage shares: one line of printable text, HTML to plain text, and the
one HTML allow-list.

- ``one_line``: what goes into a header, a title, a file name or a log line.
- ``html_to_text``: the text part of an e-mail (links listed as numbered references, so
  every URL of the HTML is in the text too); ``html_text_content``: the bare text of an
  HTML fragment, paragraphs kept (notes, checks, quote trimming of incoming mail).
- ``guess_format``: the ``BodyFormat`` a file name says (.html, .txt, else Markdown).
- ``to_safe_html``: what a partner typed (Markdown, HTML or plain text) to safe HTML;
  every body that reaches an e-mail goes through it. Markdown is rendered with cmark-gfm
  (raw HTML inside it is shown as text, never trusted; linear time also on pathological
  text, whose length the callers limit: ``intake.limits``), then ``sanitize_html``, the
  one allow-list of tags, attributes and link schemes, keeps a small subset: scripts,
  styles, event handlers, forms, iframes, ``javascript:`` links and remote tracking
  pixels never survive.
  Incoming mail is first cut down to ``MAIL_TAGS``, the same list narrowed (mail clients
  lay out with tables and preformatted blocks).

No database, no templates, no other module of the package: any stage may import it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import TYPE_CHECKING, Literal

# the HTML libraries load on first use: ``one_line`` is everywhere (the sender too)
if TYPE_CHECKING:
    from lxml import html as lxml_html

#: the formats a body may be written in
BodyFormat = Literal["markdown", "html", "text"]

_SPACES = re.compile(r"\s+")
#: format characters that are part of the text (joiners of emoji and of some scripts)
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})

#: tags a body may keep (headings are demoted to h3/h4 so that an item never outranks its
#: section)
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li",
        "blockquote", "h3", "h4", "hr", "code", "pre", "sub", "sup", "small",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "th": frozenset({"scope"}),
    "td": frozenset({"colspan"}),
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: removed together with their content, not just unwrapped
DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "head", "title", "meta", "xml", "object", "iframe", "embed",
        "noscript", "template", "svg", "math", "form", "button", "select", "textarea",
    }
)  # fmt: skip
#: what incoming mail keeps: structure, emphasis, lists and links; the same list narrowed,
#: except h2, kept as the sender wrote it and demoted when the body becomes a news item
MAIL_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "blockquote", "h2", "h3"}
    | {"h4"}
)

_HEADING_MAP = {"<h1": "<h3", "</h1>": "</h3>", "<h2": "<h3", "</h2>": "</h3>"}
_HEADING_MAP.update({"<h5": "<h4", "</h5>": "</h4>", "<h6": "<h4", "</h6>": "</h4>"})

#: width of the text part
WIDTH = 72


def one_line(value: str, limit: int | None = None) -> str:
    """A single line of printable text, at most ``limit`` characters.

    Line breaks, every kind of whitespace, control characters and invisible format
    characters (bidirectional overrides, zero-width spaces) become one space, so the value
    can never smuggle a header into a message, break a page or reorder what a reader sees.
    """
    cleaned = "".join(
        " " if unicodedata.category(ch)[0] == "C" and ch not in _KEPT_FORMAT else ch for ch in value
    )
    single = _SPACES.sub(" ", cleaned).strip()
    return single if limit is None else single[:limit]


def sanitize_html(fragment: str, *, mail: bool = False) -> str:
    """The allow-listed subset of an HTML fragment; links get ``rel="noopener noreferrer"``.

    ``mail``: the stricter ``MAIL_TAGS`` of incoming mail, headings left as they are.
    """
    tags = MAIL_TAGS if mail else ALLOWED_TAGS
    if not mail:
        for old, new in _HEADING_MAP.items():
            fragment = fragment.replace(old, new).replace(old.upper(), new)
    import nh3

    cleaned = nh3.clean(
        fragment,
        tags=set(tags),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag in tags},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


_MARKDOWN_OPTIONS = 0  # cmark's CMARK_OPT_DEFAULT: raw HTML is never passed through
_EXTENSIONS = ["table", "strikethrough"]
#: stands for "<" while cmark reads the text, so that no tag is ever raw HTML to it
_LT = "\ue000"
#: "<" that opens an autolink (<https://…>, <name@example.org>) stays what it is
#: deeper nesting than this is not kept as structure (the HTML cleaner's time grows with
#: the square of the depth: 10,000 nested "> " quotes took 1.7 s)
MAX_DEPTH = 32
_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li|em|strong|del|table|p|h[1-6]|pre|code|a)\b")
_NOT_AUTOLINK = re.compile(r"<(?!(?:https?://|mailto:)[^\s<>]*>|[^\s<>@]+@[^\s<>@]+>)")


def markdown_to_html(source: str) -> str:
    """CommonMark (with tables) to sanitised HTML; inline HTML is shown as text."""
    import cmarkgfm

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


def html_to_text(fragment: str) -> str:
    """The text part of a sanitised HTML fragment: paragraphs, lists, emphasis marks and
    links as numbered references under the block."""
    import html2text

    converter = html2text.HTML2Text(bodywidth=WIDTH)
    converter.unicode_snob = True
    converter.inline_links = False
    converter.protect_links = True
    converter.wrap_links = False
    converter.ignore_images = True
    converter.ignore_emphasis = False
    converter.emphasis_mark = "_"
    converter.strong_mark = "*"
    converter.ul_item_mark = "-"
    converter.pad_tables = True
    text: str = converter.handle(fragment)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def html_text_content(html: str) -> str:
    """The bare text of an HTML fragment, paragraphs kept (no marks, no link list)."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root: lxml_html.HtmlElement = lxml_html.document_fromstring(f"<div>{html}</div>")
    except (etree.ParserError, ValueError):
        return ""
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter("p", "li", "div", "h2", "h3", "h4", "tr"):
        block.tail = "\n\n" + (block.tail or "")
    text = root.text_content()
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


def guess_format(filename: str) -> BodyFormat:
    """Body format from a file name: .html/.htm, .txt, anything else Markdown."""
    lowered = filename.lower()
    if lowered.endswith((".html", ".htm")):
        return "html"
    if lowered.endswith(".txt"):
        return "text"
    return "markdown"
