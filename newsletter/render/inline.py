"""CSS inlining with premailer, once per variant; nothing is fetched from the network."""

from __future__ import annotations

import logging

from premailer import Premailer


def inline_css(html: str) -> str:
    """Styles of <style> blocks moved onto the elements; @media rules kept in <head>."""
    premailer = Premailer(
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
