"""CSS inlining with premailer, once per variant; nothing is fetched from the network.

Premailer also copies some styles into old presentational attributes for mail clients
that ignore CSS (Outlook): ``bgcolor``, ``align``, ``valign``. It does so on any element;
here they are kept only where HTML defines them (``bgcolor`` on a ``<p>`` or an ``<a>``
is invalid markup), the style itself stays on every element.
"""

from __future__ import annotations

import logging
from typing import Any

from premailer import Premailer

#: the elements each presentational attribute is defined on (HTML 4.01)
ALLOWED_ON: dict[str, frozenset[str]] = {
    "bgcolor": frozenset({"body", "table", "tr", "td", "th"}),
    "align": frozenset(
        {"table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "div", "p", "img", "hr"}
        | {f"h{level}" for level in range(1, 7)}
    ),
    "valign": frozenset({"tr", "td", "th", "thead", "tbody", "tfoot"}),
    "width": frozenset({"table", "td", "th", "img", "hr", "col", "colgroup"}),
    "height": frozenset({"td", "th", "img"}),
}


#: the rules premailer draws from a style sheet, by (sheet text, its index in the page):
#: the same sheet serves every variant, and reading it is half of an inlining. Premailer
#: reads the rules (never changes them) and writes the leftover ones (@media) back into
#: the page's <style>; that text is kept with them. A few sheets at most (a coordinator's
#: edited templates): the oldest is dropped past ``_SHEETS``.
_SHEETS = 8
_rules: dict[tuple[str, int], tuple[tuple[Any, ...], list[Any], str]] = {}


class _Inliner(Premailer):  # type: ignore[misc]
    """Premailer that sets a presentational attribute only where it is valid, and reads
    each style sheet once per process."""

    def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[list[Any], list[Any]]:
        key = (css_body, ruleset_index)
        known = _rules.get(key)
        if known is None:
            rules, leftover = super()._parse_style_rules(css_body, ruleset_index)
            text: str = super()._css_rules_to_string(leftover)
            if len(_rules) >= _SHEETS:
                del _rules[next(iter(_rules))]
            known = _rules[key] = (tuple(rules), leftover, text)
        return list(known[0]), known[1]

    def _css_rules_to_string(self, rules: list[Any]) -> str:
        for _rules_of_sheet, leftover, text in _rules.values():
            if leftover is rules:
                return text
        result: str = super()._css_rules_to_string(rules)
        return result

    def _style_to_basic_html_attributes(
        self, element: Any, style_content: str, force: bool = False
    ) -> None:
        before = dict(element.attrib)
        super()._style_to_basic_html_attributes(element, style_content, force)
        tag = element.tag if isinstance(element.tag, str) else ""
        for name in list(element.attrib):
            if name in before or name not in ALLOWED_ON or tag.lower() in ALLOWED_ON[name]:
                continue
            del element.attrib[name]


def inline_css(html: str) -> str:
    """Styles of <style> blocks moved onto the elements; @media rules kept in <head>."""
    premailer = _Inliner(
        html,
        allow_network=False,
        allow_loading_external_files=False,
        disable_link_rewrites=True,
        keep_style_tags=False,
        remove_classes=False,
        strip_important=False,
        cssutils_logging_level=logging.CRITICAL,
        disable_validation=True,
        disable_basic_attributes=["height", "width"],  # keep the template's pixel widths (Outlook)
        method="html",
    )
    result: str = premailer.transform(pretty_print=False)
    return result
