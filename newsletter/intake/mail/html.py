"""HTML bodies of incoming mail: Outlook clean-up, quote and signature trimming, sanitising.

Outlook (Word) HTML carries conditional comments, ``<o:p>`` elements, ``MsoNormal``
classes, list bullets drawn as text and a stylesheet per message. They are removed
before the body goes through the allow-list narrowed to mail (``newsletter.text``): what
is left is the text, its paragraphs, emphasis, lists and links, never a script, a style or
a remote image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from newsletter.intake.mail.trim import FORWARD_MARKERS, HEADER_LINE, REPLY_MARKERS
from newsletter.text import DROP_WITH_CONTENT, html_text_content, sanitize_html

#: conditional comments of Outlook: hidden ones and "downlevel-revealed" list bullets
_CONDITIONAL = re.compile(
    r"<!--\[if[^\]]*\]>.*?<!\[endif\]-->|<!\[if[^\]]*\]>.*?<!\[endif\]>",
    re.IGNORECASE | re.DOTALL,
)
_EMPTY_BLOCK = re.compile(r"<(p|h2|h3|h4|li|strong|b|em|i|u)>(?:\s|&nbsp;|\xa0|<br>)*</\1>")
_BREAK_RUNS = re.compile(r"(?:<br>\s*){3,}")
_SIGNATURE_SELECTORS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_signature ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' moz-signature ')]",
    "//*[@id='Signature' or @id='signature' or @id='AppleMailSignature']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' elementToProof ')][@id='Signature']",
)
_REPLY_SELECTORS = (
    "//blockquote[@type='cite']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]",
)
#: the element where Outlook and Outlook on the web start the quoted original
_OUTLOOK_ORIGINAL = (
    "//*[@id='divRplyFwdMsg' or @id='appendonsend'"
    " or @id='mail-editor-reference-message-container']",
    "//div[contains(translate(@style, 'BORDERTOP ', 'bordertop'), 'border-top:solid')]"
    "[.//b or .//strong]",
)


@dataclass
class CleanHtml:
    html: str
    #: text before a forwarded message, when the body was a forward
    preface: str = ""


def _select(root: etree._Element, selector: str) -> list[etree._Element]:
    found = root.xpath(selector)
    if not isinstance(found, list):
        return []
    return [element for element in found if isinstance(element, etree._Element)]


def _parse(html: str) -> lxml_html.HtmlElement:
    html = _CONDITIONAL.sub("", html)
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return lxml_html.document_fromstring("<html><body></body></html>")


def _remove(element: etree._Element) -> None:
    """Remove an element but keep its tail text."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _remove_following(element: etree._Element) -> None:
    """Remove an element and everything after it in document order."""
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            _remove(sibling)
        if node is element:
            _remove(node)
        node = parent
        if node is not None and node.tag == "body":
            break


def _outlook_lists(root: etree._Element) -> None:
    """Outlook writes list items as ``<p class=MsoListParagraph…>``: make them a list."""
    current: etree._Element | None = None
    for paragraph in list(root.iter("p")):
        classes = (paragraph.get("class") or "").lower()
        if "msolistparagraph" not in classes:
            current = None
            continue
        previous = paragraph.getprevious()
        if current is None or previous is not current:
            current = etree.Element("ul")
            paragraph.addprevious(current)
        paragraph.tag = "li"
        tail, paragraph.tail = paragraph.tail, None
        current.append(paragraph)
        current.tail = tail


def _tables_to_blocks(root: etree._Element) -> None:
    """Layout tables: each row becomes a paragraph, cells are separated by a space."""
    for cell in root.iter("td", "th"):
        cell.tag = "span"
        cell.tail = " " + (cell.tail or "")
    for row in root.iter("tr"):
        row.tag = "p"


def _text_of(element: etree._Element) -> str:
    return " ".join(str(t) for t in element.itertext())


def _find_forward_marker(root: etree._Element) -> etree._Element | None:
    for element in root.iter("div", "p", "span", "b", "font"):
        own = (element.text or "").strip()
        if own and any(marker.match(own) for marker in FORWARD_MARKERS):
            return element
    return None


def _strip_header_block(start: etree._Element) -> None:
    """Drop a forwarded header block (From:/Sent:/To:/Subject: lines) starting here."""
    node: etree._Element | None = start
    removed = 0
    while node is not None and removed < 12:
        text = _text_of(node).strip()
        following = node.getnext()
        if (
            not text
            or all(
                HEADER_LINE.match(line.strip()) or not line.strip() for line in text.splitlines()
            )
            or any(marker.match(text) for marker in FORWARD_MARKERS)
        ):
            _remove(node)
            removed += 1
            node = following
            continue
        # a paragraph holding the whole block (Outlook writes it as one <p> with <br>)
        if HEADER_LINE.match(text):
            _remove(node)
        break


def clean_html(html: str, *, forward: bool, reply: bool) -> CleanHtml:
    """Clean an HTML body: Outlook markup, then trimming, then the allow-list."""
    root = _parse(html)
    for element in list(root.iter()):
        if (
            not isinstance(element.tag, str)
            or element.tag.lower() in DROP_WITH_CONTENT
            or ":" in element.tag
        ):  # comments, processing instructions
            _remove(element)
    for selector in _SIGNATURE_SELECTORS:
        for element in _select(root, selector):
            _remove(element)
    preface = ""
    if forward:
        marker = _find_forward_marker(root)
        original = marker if marker is not None else _first(root, _OUTLOOK_ORIGINAL)
        if original is not None:
            preface = _cut_preceding(original)
            _strip_header_block(original)
        for element in _select(root, "//*[contains(@class, 'gmail_attr')]"):
            _remove(element)
    elif reply:
        for selector in _REPLY_SELECTORS:
            for element in _select(root, selector):
                _remove(element)
        original = _first(root, _OUTLOOK_ORIGINAL)
        if original is not None:
            _remove_following(original)
        for element in root.iter("p", "div"):
            text = _text_of(element).strip()
            if text and any(marker.match(text) for marker in REPLY_MARKERS):
                _remove_following(element)
                break
    _outlook_lists(root)
    _tables_to_blocks(root)
    for heading in root.iter("h1", "h5", "h6"):
        heading.tag = "h2" if heading.tag == "h1" else "h4"
    body = root.find("body")
    fragment = _inner_html(body if body is not None else root)
    return CleanHtml(html=sanitize(fragment), preface=preface.strip())


def _first(root: etree._Element, selectors: tuple[str, ...]) -> etree._Element | None:
    for selector in selectors:
        found = _select(root, selector)
        if found:
            return found[0]
    return None


def _cut_preceding(element: etree._Element) -> str:
    """Remove everything before an element in document order; return its text."""
    chunks: list[str] = []
    node: etree._Element | None = element
    while node is not None and node.tag != "body":
        parent = node.getparent()
        if parent is None:
            break
        removed: list[str] = []
        for sibling in list(node.itersiblings(preceding=True)):
            removed.append(html_text_content(lxml_html.tostring(sibling, encoding="unicode")))
            tail, sibling.tail = sibling.tail, None
            parent.remove(sibling)
            if tail:
                removed[-1] += " " + tail
        if parent.text and parent.text.strip():
            removed.append(parent.text)
        parent.text = None
        chunks = [*reversed(removed), *chunks]
        node = parent
    return "\n\n".join(chunk.strip() for chunk in chunks if chunk.strip())


def _inner_html(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        parts.append(lxml_html.tostring(child, encoding="unicode"))
    return "".join(parts)


def sanitize(fragment: str) -> str:
    """The allow-list narrowed to mail (``MAIL_TAGS``), then Outlook's empty blocks go."""
    cleaned = sanitize_html(fragment, mail=True)
    cleaned = cleaned.replace("\xa0", " ").replace("&nbsp;", " ")
    previous = None
    while previous != cleaned:
        previous = cleaned
        cleaned = _EMPTY_BLOCK.sub("", cleaned)
    cleaned = _BREAK_RUNS.sub("<br><br>", cleaned)
    return cleaned.strip()
