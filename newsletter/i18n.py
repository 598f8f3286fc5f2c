"""Translations: English message ids, French and Dutch catalogues.

Each area keeps its own catalogue file (``locale/<lang>/LC_MESSAGES/<area>.po``) and
they are merged at load time, so areas never edit the same file. ``Msg`` carries a
message id and its parameters so that services stay language-neutral and each edge
(CLI, web page, e-mail) renders it in the reader's language.
"""

from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).parent / "locale"
#: the one list of languages readers get, in the order they are offered
LANGUAGES = ("fr", "nl")
DEFAULT_LANGUAGE = "fr"


def known_language(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """``value`` when it is one of ``LANGUAGES``, else ``default``."""
    return value if value in LANGUAGES else default


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


@lru_cache(maxsize=8)
def translations(lang: str) -> _gettext.GNUTranslations:
    """All catalogues of a language merged into one translations object."""
    # imported here: processes that never translate (the sender) need not load Babel
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    folder = LOCALE_DIR / merged.locale_identifier / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return translations(lang).ngettext(singular, plural, n)


@dataclass(frozen=True)
class Msg:
    """A translatable message with ``str.format`` parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The text in ``lang``; a parameter that is a ``Msg`` is translated too."""
        params = {k: v.render(lang) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return gettext(lang, self.msgid).format(**params)

    @classmethod
    def as_written(cls, text: str) -> Msg:
        """A person's own words (a coordinator's reason, a text from before messages were
        stored by id): shown as written in every language."""
        return cls(text.replace("{", "{{").replace("}", "}}"))

    def stored_params(self) -> dict[str, Any]:
        """The parameters as JSON can keep them (a ``Msg`` parameter as its own
        ``{"msgid", "params"}``); ``Msg.stored`` reads them back."""
        return {k: _storable(v) for k, v in self.params.items()}

    @classmethod
    def stored(cls, msgid: str, params: dict[str, Any] | None) -> Msg:
        """The message of a stored message id and ``stored_params()``."""
        return cls(msgid, {k: _stored_value(v) for k, v in (params or {}).items()})

    def __str__(self) -> str:
        return self.msgid.format(
            **{k: str(v) if isinstance(v, Msg) else v for k, v in self.params.items()}
        )


def _storable(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msgid": value.msgid, "params": value.stored_params()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _stored_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"msgid", "params"}:
        return Msg.stored(str(value["msgid"]), value["params"])
    return value
