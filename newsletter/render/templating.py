"""Jinja2 over TEMPLATES_DIR, then the shipped templates, one environment per language.

Autoescape is on for ``.html`` templates. Interface strings go through the gettext
catalogues (``{% trans %}`` / ``_()``, English msgids, ``%(name)s`` parameters); dates
are formatted with Babel in the reader's language and the configured time zone.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from newsletter import moments
from newsletter.i18n import translations
from newsletter.shipped import shipped_dir
from newsletter.xmltext import finalize


def _filesize(size: int, lang: str) -> str:
    units = ("ko", "Mo") if lang == "fr" else ("kB", "MB")
    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / (1024 * 1024), 1), locale=lang)} {units[1]}"
    return f"{max(1, round(size / 1024))} {units[0]}"


#: the templates shipped with the application (a coordinator's folder overrides them)
SHIPPED_TEMPLATES = shipped_dir("templates")


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory and shared by the environments of every language.

    The environments differ only in their translations and filters, which templates look
    up when they run: the compiled code is the same, so a template is compiled once per
    process, not once per language (a bucket is keyed by file name and checked against
    the source, so an edited template is compiled again).
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = SharedBytecode()


@lru_cache(maxsize=16)
def environment(templates_dir: Path, lang: str, timezone: str) -> Environment:
    """The Jinja2 environment of one language (cached: building it reads catalogues).

    Templates are looked up in TEMPLATES_DIR first, then among the shipped ones, so a
    coordinator may restyle one file (say ``email.css``) and keep the others.
    """
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(str(templates_dir)), FileSystemLoader(str(SHIPPED_TEMPLATES))]
        ),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,  # no XML-illegal control character reaches the HTML
        bytecode_cache=_BYTECODE,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    zone = ZoneInfo(timezone)

    def local(value: datetime) -> datetime:
        return value.astimezone(zone)

    env.filters["date_long"] = lambda v: format_date(local(v), "full", locale=lang)
    env.filters["time_short"] = lambda v: format_time(local(v), "HH:mm", locale=lang)
    env.filters["datetime_long"] = lambda v: format_datetime(
        local(v), "EEEE d MMMM y, HH:mm", locale=lang
    )
    env.filters["date_short"] = lambda v: format_date(local(v), "d MMMM y", locale=lang)
    env.filters["filesize"] = lambda v: _filesize(int(v), lang)

    env.filters["event_span"] = lambda start, end: moments.event_span(start, end, timezone, lang)
    env.globals["lang"] = lang
    return env
