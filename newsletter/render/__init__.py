"""Render: Jinja2 over ``templates/``, CSS inlining, text part, MIME, personalisation.

Public interface (see ``prepare`` for details):

- ``prepare_issue(session, settings, issue_id) -> PreparedIssue``
- ``PreparedIssue.variant(language: str, membership: str) -> PreparedVariant``
  (rendered and inlined once per variant key, cached in the object)
- ``PreparedVariant.personalize(Personalization) -> bytes`` (``contract.PreparedMessage``)
- ``preview.personalization_for(settings, issue_id, subscriber_id, email, name)`` and
  ``preview.sample_personalization(settings, issue_id, language)``: the per-recipient
  values; ``preview.message_id(settings, issue_id, subscriber_id)``.
"""

from newsletter.render.contract import Personalization, PreparedMessage
from newsletter.render.prepare import PreparedIssue, PreparedVariant, prepare_issue
from newsletter.render.preview import personalization_for, sample_personalization

__all__ = [
    "Personalization",
    "PreparedIssue",
    "PreparedMessage",
    "PreparedVariant",
    "personalization_for",
    "prepare_issue",
    "sample_personalization",
]
