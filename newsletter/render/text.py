"""HTML fragments (sanitised news bodies) to readable plain text for the text part.

Links are listed as numbered references under the paragraph block instead of being
dropped, so every URL a reader sees in the HTML is in the text part too.
"""

from __future__ import annotations

import html2text

WIDTH = 72


def html_to_text(fragment: str) -> str:
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
