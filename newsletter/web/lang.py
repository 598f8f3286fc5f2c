"""The language of a page: the user's choice (kept in the session), then the language of
the person a signed link names (their e-mail's language), then the browser's."""

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


#: the session key of the language of the person who came through a signed link
READER_LANGUAGE = "reader_lang"


def remember_reader(request: Request, language: str) -> None:
    """The page is for a known person (their preferences, unsubscribe or RSVP link): it is
    in their language, as their e-mails are, and so are the public pages they open next
    (the archive) unless they choose another language."""
    if language not in LANGUAGES:
        return
    request.state.reader_language = language
    if "session" in request.scope:
        request.session[READER_LANGUAGE] = language


def request_language(request: Request) -> str:
    return chosen_language(request) or DEFAULT_LANGUAGE


def chosen_language(request: Request) -> str | None:
    """The page's language when something says it (a choice, a known reader, the
    browser); None when the page is in French only by default."""
    session = request.session if "session" in request.scope else {}
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    reader = getattr(request.state, "reader_language", None) or session.get(READER_LANGUAGE)
    # the coordinator's console keeps its own language, whoever's link was opened
    if reader in LANGUAGES and not request.url.path.startswith("/console"):
        return str(reader)
    return parse_accept_language(request.headers.get("accept-language", ""))
