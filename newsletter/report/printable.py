"""The printable edition of an issue: an A4 PDF for reception desks and notice boards.

Large type, no image to load, nothing personal and nothing that tracks: every link is
printed as a short address next to a QR code (segno) that leads to the full one, and a
QR code at the top leads to the issue's web version. The page is ``templates/print.html``
(restylable like the e-mail); WeasyPrint lays it out and may load nothing but the
``data:`` URIs of the QR codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
import segno

from newsletter.config import Settings
from newsletter.render.model import BlockView, IssueView
from newsletter.render.templating import environment_for
from newsletter.render.variant import section_title
from newsletter.versions import FALLBACK_NOTES

#: the printed page lies at a reception desk: it shows what readers without a membership get
PRINTED_FOR = "public"
#: longest address printed as it is; a longer one is printed shortened (the QR code has it)
SHORT_URL = 48


@dataclass(frozen=True)
class PrintedLink:
    """A link as the printed page shows it: short address and QR code."""

    url: str
    short: str
    qr: str  # data: URI of an SVG image


def short_url(url: str) -> str:
    """``https://www.example.org/a/b/`` → ``example.org/a/b``; long ones cut after the host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "mailto") or not (parts.netloc or parts.path):
        return url[:SHORT_URL]
    if parts.scheme == "mailto":
        return parts.path
    host = parts.netloc.removeprefix("www.")
    rest = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    if len(host) + len(rest) <= SHORT_URL:
        return host + rest
    return f"{host}/…"


def printed_link(url: str) -> PrintedLink:
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return PrintedLink(url=url, short=short_url(url), qr=qr)


def printable_body(fragment: str) -> tuple[str, list[PrintedLink]]:
    """A sanitised HTML fragment with each link followed by its short address; its links."""
    if not fragment.strip():
        return "", []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    found: list[PrintedLink] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href.startswith(("http://", "https://", "mailto:")):
            continue
        link = printed_link(href)
        if all(existing.url != href for existing in found):
            found.append(link)
        marker = lxml.html.Element("span", {"class": "url"})
        marker.text = f" ({link.short})"
        marker.tail = anchor.tail
        anchor.tail = None
        anchor.addnext(marker)
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return inner, found


def printable_html(settings: Settings, view: IssueView, lang: str) -> str:
    """The page WeasyPrint lays out (also useful on its own in a browser)."""
    env = environment_for(settings, lang)
    items = []
    for section in view.sections:
        for item in section.items:
            body, links = printable_body(item.body_html)
            if item.link and all(link.url != item.link for link in links):
                links.insert(0, printed_link(item.link))
            files = [(f, printed_link(f.url)) for f in item.files]
            items.append((section.key, item, body, links, files))
    assemblies = [
        (ag, printed_link(ag.video_url) if ag.video_url else None) for ag in view.assemblies
    ]

    def blocks_at(place: str) -> list[tuple[BlockView, str, PrintedLink | None]]:
        return [
            (b, printable_body(b.body_html)[0], printed_link(b.url) if b.url else None)
            for b in view.blocks_at(place, PRINTED_FOR)
        ]

    return env.get_template("print.html").render(
        issue=view,
        blocks_at=blocks_at,
        annexes=view.annexes_for(PRINTED_FOR),
        web=printed_link(view.web_url),
        items=items,
        assemblies=assemblies,
        intro=printable_body(view.introduction_html)[0],
        section_title=lambda key: section_title(lang, key),
        organisation_name=settings.organisation_name_in(lang),
        fallback_notes=FALLBACK_NOTES,
    )


def printable_pdf(settings: Settings, view: IssueView, lang: str) -> bytes:
    """The A4 PDF (WeasyPrint with Debian's Pango); only ``data:`` URIs are loaded."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    pdf: bytes = HTML(string=printable_html(settings, view, lang), url_fetcher=fetcher).write_pdf()
    return pdf
