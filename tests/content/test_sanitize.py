"""Bodies from partners are sanitised whatever their format: XSS ends as inert text."""

from __future__ import annotations

from typing import get_args

import pytest

from newsletter.text import BodyFormat, guess_format, to_safe_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<iframe src="https://evil.example.com"></iframe>',
    "<style>body{display:none}</style>",
    '<p style="background:url(https://track.example.com/p.gif)">x</p>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<form action="https://evil.example.com"><input name=p></form>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<object data=x></object><embed src=x>",
    '<div onclick="alert(1)">x</div>',
]
FORBIDDEN = ["<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<style",
             "style=", "<svg", "<form", "<input", "data:", "<object", "<embed", "<img"]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("body_format", get_args(BodyFormat))
def test_attacks_end_as_inert_text(attack: str, body_format: BodyFormat) -> None:
    cleaned = to_safe_html(f"Avant {attack} après", body_format)
    lowered = cleaned.lower()
    for needle in FORBIDDEN:
        if body_format == "html" or needle.startswith("<"):
            assert needle not in lowered, (needle, cleaned)
    assert "Avant" in cleaned and "après" in cleaned


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = to_safe_html(
        "# Titre\n\n**gras** [lien](https://example.org/x?a=1&b=2)\n\n- un", "markdown"
    )
    assert "<h3>Titre</h3>" in html
    assert "<strong>gras</strong>" in html
    assert 'href="https://example.org/x?a=1&amp;b=2"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "<li>un</li>" in html


def test_text_becomes_paragraphs_with_escaped_markup() -> None:
    html = to_safe_html("ligne 1\nligne <2>\n\nparagraphe", "text")
    assert html == "<p>ligne 1<br>\nligne &lt;2&gt;</p>\n<p>paragraphe</p>"


def test_format_guessed_from_file_name() -> None:
    assert guess_format("a.HTML") == "html"
    assert guess_format("a.txt") == "text"
    assert guess_format("a.md") == "markdown"
