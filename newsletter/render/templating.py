"""Jinja2 over TEMPLATES_DIR, then the shipped templates, one environment per language.

Autoescape is on for ``.html`` templates. Interface strings go through the gettext
catalogues (``{% trans %}`` / ``_()``, English msgids, ``%(name)s`` parameters); dates
are formatted with Babel in the reader's language and the configured time zone.
"""

from __future__ import annotations

import contextlib
import os
import threading
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
from newsletter.config import Settings
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
    """Compiled templates kept in memory and shared by the environments of every language,
    and in DATA_DIR/cache/templates for the next process.

    The environments differ only in their translations and filters, which templates look
    up when they run: the compiled code is the same, so a template is compiled once per
    process, not once per language, and once per change of its source rather than once
    per command (``issue send``'s render child, ``issue preview``…: about 0.1 s each).
    A bucket is keyed by the template's file path and checked against its source and the
    Python version, so an edited template is compiled again. The folder is the data
    folder's (0700, files 0600, as the database); a file that cannot be written (a full
    disk) only means compiling again next time.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}
        self.folder: Path | None = None

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is None and self.folder is not None:
            try:
                code = (self.folder / f"{bucket.key}.cache").read_bytes()
            except OSError:
                code = None
        if code:
            self._store[bucket.key] = code
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = self._store[bucket.key] = bucket.bytecode_to_string()
        if self.folder is None:
            return
        target = self.folder / f"{bucket.key}.cache"
        partial = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(code)
            os.replace(partial, target)  # whole or not at all, for a process reading it
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)


_BYTECODE = SharedBytecode()


def environment_for(settings: Settings, lang: str) -> Environment:
    """The environment of ``lang`` for these settings, its compiled templates kept in
    the data folder."""
    _BYTECODE.folder = settings.data_dir / "cache" / "templates"
    return environment(settings.templates_dir.resolve(), lang, settings.timezone)


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
