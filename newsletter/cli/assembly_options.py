"""The options ``assembly create`` and ``assembly edit`` share, declared once.

``language_texts`` gives a command the options ``--title-fr`` … ``--speaker-nl``; the
command receives them as ``texts``: one ``LanguageTexts`` a language. An option not
given is ``None`` (``edit`` leaves that text as it is, ``create`` reads it as empty).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

Ends = Annotated[str | None, typer.Option("--ends", help="End (ISO, local time).")]
Video = Annotated[str | None, typer.Option("--video", help="Video-call link (https).")]


@dataclass(frozen=True)
class LanguageTexts:
    """One language's texts of an AG as given on the command line."""

    title: str | None = None
    theme: str | None = None
    place: str | None = None
    agenda: Path | None = None
    speakers: list[str] | None = None


def _option(kind: Any, flag: str, help: str) -> Any:
    return Annotated[kind | None, typer.Option(flag, help=help)]


#: parameter → (language, field of ``LanguageTexts``, annotation), in ``--help`` order
_OPTIONS: Mapping[str, tuple[str, str, Any]] = {
    "title_fr": ("fr", "title", _option(str, "--title-fr", "Title in French.")),
    "title_nl": ("nl", "title", _option(str, "--title-nl", "Title in Dutch.")),
    "theme_fr": ("fr", "theme", _option(str, "--theme-fr", "Theme in French.")),
    "theme_nl": ("nl", "theme", _option(str, "--theme-nl", "Theme in Dutch.")),
    "place_fr": ("fr", "place", _option(str, "--place-fr", "Place in French.")),
    "place_nl": ("nl", "place", _option(str, "--place-nl", "Place in Dutch.")),
    "agenda_fr": ("fr", "agenda", _option(Path, "--agenda-fr", "Agenda in French.")),
    "agenda_nl": ("nl", "agenda", _option(Path, "--agenda-nl", "Agenda in Dutch.")),
    "speaker_fr": (
        "fr",
        "speakers",
        _option(list[str], "--speaker-fr", "A speaker in French (repeatable)."),
    ),
    "speaker_nl": (
        "nl",
        "speakers",
        _option(list[str], "--speaker-nl", "A speaker in Dutch (repeatable)."),
    ),
}


def language_texts(command: Callable[..., None]) -> Callable[..., None]:
    """``command``, which takes ``texts`` (language → ``LanguageTexts``), with the
    per-language options in its place, before its ``--json`` option."""
    own = [
        parameter
        for parameter in inspect.signature(command, eval_str=True).parameters.values()
        if parameter.name != "texts"
    ]
    at = next((i for i, p in enumerate(own) if p.name == "as_json"), len(own))
    added = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                          annotation=annotation)
        for name, (_, _, annotation) in _OPTIONS.items()
    ]  # fmt: skip
    parameters = [*own[:at], *added, *own[at:]]

    @functools.wraps(command)
    def run(**values: Any) -> None:
        given: dict[str, dict[str, Any]] = {"fr": {}, "nl": {}}
        for name, (code, field, _) in _OPTIONS.items():
            given[code][field] = values.pop(name, None)
        command(**values, texts={code: LanguageTexts(**v) for code, v in given.items()})

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run
