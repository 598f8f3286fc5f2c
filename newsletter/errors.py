"""One error tree for the whole application.

Services raise these; the web and the CLI translate them into pages and exit codes.
Messages are meant for the coordinator and translated at the edge (CLI, web).
"""

from __future__ import annotations

from typing import Any, Self

from newsletter.i18n import DEFAULT_LANGUAGE, Msg


class NewsletterError(Exception):
    """Base of every domain error (a user error: the CLI exits with 1).

    Raised with an English message id (marked with ``N_``) and its parameters;
    ``localized(lang)`` gives the text for a French or Dutch reader.
    """

    #: the form field the error is about ("" when none), and the language version of
    #: that field ("" for the original or a field without versions): a form shows the
    #: message next to that field
    field: str = ""
    field_language: str = ""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msg = Msg(msgid, params)
        super().__init__(str(self.msg))

    def on(self, field: str, language: str = "") -> Self:
        """The same error, about ``field`` (in the ``language`` version); kept when set."""
        if not self.field:
            self.field, self.field_language = field, language
        return self

    def localized(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.msg.render(lang)


class SchemaError(NewsletterError):
    """The database is not at the schema this version needs (``newsletter init``)."""


class ConfigurationError(NewsletterError):
    """A setting is missing or invalid."""


class NotFoundError(NewsletterError):
    """A record asked for by id or e-mail does not exist."""


class ValidationError(NewsletterError):
    """Input that cannot be accepted (bad file, bad value)."""


class InvalidTransitionError(NewsletterError):
    """A status change that the state machine does not allow."""


class RenderError(NewsletterError):
    """An issue (or one of its variants) cannot be rendered: nothing may be sent."""


class DeliveryError(NewsletterError):
    """A message could not be handed to the mail server."""


class TemporaryDeliveryError(DeliveryError):
    """4xx reply or lost connection: retry later with backoff."""


class PermanentDeliveryError(DeliveryError):
    """5xx reply: do not retry; record the reply."""
