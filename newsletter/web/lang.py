"""The language of a page: the user's choice (kept in the session), then the browser's."""

from __future__ import annotations

from starlette.requests import Request

from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES


def parse_accept_language(header: str) -> str | None:
    """The first supported language of an Accept-Language header, by quality."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, index, primary))
    return sorted(choices)[0][2] if choices else None


def request_language(request: Request) -> str:
    chosen = request.session.get("lang") if "session" in request.scope else None
    if chosen in LANGUAGES:
        return str(chosen)
    return parse_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE
