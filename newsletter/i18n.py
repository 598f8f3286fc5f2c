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


class Catalogue(_gettext.GNUTranslations):
    """gettext translations made from a message table (``po.message_table``)."""

    def __init__(self, table: dict[str | tuple[str, int], str], plural_expr: str) -> None:
        super().__init__()
        self._catalog = table
        self.plural = _gettext.c2py(plural_expr)


def catalogue_files(lang: str) -> list[Path]:
    """The catalogue files of a language, in the order they are merged."""
    return sorted((LOCALE_DIR / known_language(lang) / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=8)
def translations(lang: str) -> _gettext.GNUTranslations:
    """All catalogues of a language merged into one translations object (read once per
    process; the plural rule is the language's own, from Babel's locale data)."""
    # imported here: processes that never translate (the sender) need not load Babel
    from babel.messages.catalog import Catalog

    from newsletter.po import message_table

    rules = Catalog(locale=known_language(lang))
    return Catalogue(message_table(catalogue_files(lang), rules.num_plurals), rules.plural_expr)


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
