"""Text search that ignores case and accents the same way on SQLite and PostgreSQL.

Neither database strips accents by itself (PostgreSQL's ``unaccent`` is an extension not
always installable; SQLite's ``lower()`` folds ASCII only). So the accented letters of
French and Dutch are made plain by a table: in Python (``fold``, for the words searched
for and for SQLite, where it is registered as the SQL function ``fold()`` on each
connection) and in PostgreSQL with ``translate()`` and ``lower()``. "élan", "Élan" and
"ELAN" all match "elan". Letters outside the table keep their accents (typed exactly,
they are still found).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String, and_, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: accented letter → the plain one (both cases of the letters of French and Dutch)
_ONE: dict[str, str] = {}
for _plain, _letters in {
    "a": "àáâäãå", "c": "ç", "e": "èéêë", "i": "ìíîï", "n": "ñ", "o": "òóôöõ",
    "u": "ùúûü", "y": "ýÿ",
}.items():  # fmt: skip
    for _letter in _letters:
        _ONE[_letter] = _plain
        _ONE[_letter.upper()] = _plain
_ONE["Ÿ"] = "y"
_ONE["’"] = "'"  # the typographic apostrophe
#: letters that become two
_TWO = {"æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss"}
_PLAIN = {**_ONE, **_TWO}
_ACCENTED = re.compile("[" + "".join(_PLAIN) + "]")


def _plain_letter(found: re.Match[str]) -> str:
    return _PLAIN[found.group()]


def fold(text: str | None) -> str:
    """What a text is compared as: the letters of the table made plain, lower case."""
    text = text or ""
    return (text if text.isascii() else _ACCENTED.sub(_plain_letter, text)).lower()


def register_sqlite(connection: Any) -> None:
    """Make ``fold()`` an SQL function of a SQLite connection."""
    connection.create_function("fold", 1, fold, deterministic=True)


class folded(FunctionElement[str]):
    """``fold(column)`` in SQL (NULL counts as an empty text)."""

    type = String()
    name = "fold"
    inherit_cache = True


@compiles(folded, "sqlite")
def _fold_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"fold({compiler.process(element.clauses, **kw)})"


@compiles(folded)
def _fold_other(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    expression: ColumnElement[str] = func.translate(
        func.lower(func.coalesce(*element.clauses, "")),
        "".join(_ONE), "".join(_ONE.values()),
    )  # fmt: skip
    for letter, plain in _TWO.items():
        expression = func.replace(expression, letter, plain)
    return compiler.process(expression, **kw)


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(text: str, *columns: Any) -> ColumnElement[bool] | None:
    """Every word of ``text`` appears in one of ``columns`` (folded); None for no words.
    The columns are folded once a row, joined by line feeds (a word has none)."""
    words = fold(text).split()
    if not words:
        return None
    joined: ColumnElement[str] = func.coalesce(columns[0], "", type_=String)
    for column in columns[1:]:
        joined = joined + literal("\n", String) + func.coalesce(column, "", type_=String)
    haystack = folded(joined)
    return and_(*(haystack.like(f"%{_escape(word)}%", escape="\\") for word in words))
