"""The shared text helpers: one line of printable text, the one HTML allow-list."""

from __future__ import annotations

from newsletter.text import (
    ALLOWED_TAGS,
    MAIL_TAGS,
    html_text_content,
    html_to_text,
    one_line,
    sanitize_html,
)


def test_one_line_folds_breaks_controls_and_invisible_characters() -> None:
    assert one_line("  Réunion\r\nBcc: x@example.org\t\u2028fin  ") == (
        "Réunion Bcc: x@example.org fin"
    )
    assert one_line("a\x00b\x1b[31mc\x7fd") == "a b [31mc d"
    # a right-to-left override would show "fdp.exe" as "exe.pdf"
    assert one_line("facture\u202efdp.exe") == "facture fdp.exe"
    assert one_line("zero\u200bwidth\ufeff") == "zero width"
    # joiners are part of the text (emoji sequences, some scripts)
    assert one_line("famille 👩\u200d👧") == "famille 👩\u200d👧"
    assert one_line("x" * 50, 10) == "x" * 10
    assert one_line("x" * 50) == "x" * 50


def test_mail_keeps_a_narrower_list_than_news_bodies() -> None:
    assert MAIL_TAGS - {"h2"} < ALLOWED_TAGS
    table = "<table><tr><td>Lundi</td></tr></table><h2>Titre</h2><p>Texte</p>"
    assert sanitize_html(table) == (
        "<table><tbody><tr><td>Lundi</td></tr></tbody></table><h3>Titre</h3><p>Texte</p>"
    )
    assert sanitize_html(table, mail=True) == "Lundi<h2>Titre</h2><p>Texte</p>"


def test_both_lists_drop_scripts_handlers_and_hostile_links() -> None:
    evil = (
        '<p onclick="x()">Bonjour<script>alert(1)</script><a href="javascript:alert(1)">a</a>'
        '<a href="https://example.org/" target="_blank">b</a><img src="https://t.example/p.gif">'
        "</p><form><textarea>mot de passe</textarea></form>"
    )
    for mail in (False, True):
        cleaned = sanitize_html(evil, mail=mail)
        assert cleaned == (
            '<p>Bonjour<a rel="noopener noreferrer">a</a>'
            '<a href="https://example.org/" rel="noopener noreferrer">b</a></p>'
        )


def test_the_two_html_to_text_conversions() -> None:
    fragment = (
        '<p>Un <strong>atelier</strong> <a href="https://example.org/a">ici</a></p><p>Fin</p>'
    )
    assert html_text_content(fragment) == "Un atelier ici\n\nFin"
    reader = html_to_text(fragment)
    assert "*atelier*" in reader and "https://example.org/a" in reader and "Fin" in reader


def test_markdown_options_are_cmarks_default() -> None:
    from cmarkgfm.cmark import Options

    from newsletter import text

    assert Options.CMARK_OPT_DEFAULT == text._MARKDOWN_OPTIONS
