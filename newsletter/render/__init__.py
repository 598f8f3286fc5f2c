"""Render: Jinja2 over ``templates/``, CSS inlining, text part, MIME, personalisation.

Public interface (see ``prepare`` for details):

- ``prepare_issue(session, settings, issue_id) -> PreparedIssue``
- ``PreparedIssue.variant(language: str, membership: str) -> PreparedVariant``
  (rendered and inlined once per variant key, cached in the object)
- ``PreparedVariant.personalize(Personalization) -> bytes`` (``contract.PreparedMessage``)
- ``preview.personalization_for(settings, issue_id, subscriber_id, email, name)`` and
  ``preview.sample_personalization(settings, issue_id, language)``: the per-recipient
  values; ``preview.message_id(settings, issue_id, subscriber_id)``.

The names are loaded on first use, so that importing ``newsletter.render.contract``
(as the delivery engine does) does not load Jinja2, premailer and lxml.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsletter.render.contract import Personalization, PreparedMessage
    from newsletter.render.prepare import PreparedIssue, prepare_issue
    from newsletter.render.prepared import PreparedVariant
    from newsletter.render.preview import personalization_for, sample_personalization

_WHERE = {
    "Personalization": "newsletter.render.contract",
    "PreparedMessage": "newsletter.render.contract",
    "PreparedIssue": "newsletter.render.prepare",
    "PreparedVariant": "newsletter.render.prepared",
    "prepare_issue": "newsletter.render.prepare",
    "personalization_for": "newsletter.render.preview",
    "sample_personalization": "newsletter.render.preview",
}

__all__ = [
    "Personalization",
    "PreparedIssue",
    "PreparedMessage",
    "PreparedVariant",
    "personalization_for",
    "prepare_issue",
    "sample_personalization",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
