"""The greeting of every e-mail to a person, in one rule: "Hello {name}," with the
person's name made one printable line (``splice.clean_name``) when there is one, "Hello,"
otherwise, in the reader's language.

The newsletter takes its two forms once per variant and greets each recipient when it
splices (``PreparedVariant.splice``); the single e-mails (the RSVP confirmation) greet
through ``greeting``. Both end in ``Greeting.to``.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.i18n import N_, gettext
from newsletter.render.splice import clean_name

NAMED = N_("Hello {name},")
PLAIN = N_("Hello,")


@dataclass(frozen=True, slots=True)
class Greeting:
    """The two forms of the greeting in one language."""

    named: str
    plain: str

    @classmethod
    def of(cls, lang: str) -> Greeting:
        return cls(gettext(lang, NAMED), gettext(lang, PLAIN))

    def to(self, name: str | None) -> str:
        """The greeting of a person called ``name`` (none, or only blanks: the plain one)."""
        clean = clean_name(name or "")
        return self.named.format(name=clean) if clean else self.plain


def greeting(lang: str, name: str | None) -> str:
    """The greeting of a person in ``lang``, as the newsletter greets them."""
    return Greeting.of(lang).to(name)
