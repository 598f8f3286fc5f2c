"""The composer's autosave: the page's script posts the whole form as it changes, with
``X-Autosave: 1``; the answer is a small JSON document instead of a redirect (without
JavaScript the same form is saved by its button, as before)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsletter.errors import NewsletterError
from newsletter.i18n import ngettext
from newsletter.service import Service
from newsletter.web.lang import request_language
from newsletter.web.pages import t

HEADER = "x-autosave"


def autosaving(request: Request) -> bool:
    return request.headers.get(HEADER) == "1"


def autosave_answer(
    request: Request, service: Service, issue_id: int,
    errors: Mapping[str, NewsletterError] | None = None,
) -> Response:  # fmt: skip
    """``{"saved": true, "state": …, "recipients": …}``, or (status 400) ``{"saved":
    false, "state": the first error, "errors": {place: error}}`` — the place of each field
    refused (``texts``, ``block-3``, ``minutes-2``, ``annex-5``), the rest saved."""
    lang = request_language(request)
    if errors:
        messages = {key: error.localized(lang) for key, error in errors.items()}
        return JSONResponse(
            {"saved": False, "state": next(iter(messages.values())), "errors": messages},
            status_code=400,
        )
    lists = service.editorial.get_issue(issue_id).lists
    if lists:
        _infos, _errors, count = service.audience.lists_and_reach(lists)
        reach = ngettext(
            lang,
            "This issue will go to {n} recipient (each address once).",
            "This issue will go to {n} recipients (each address once).",
            count,
        ).format(n=count)
    else:
        reach = t(request, "Choose at least one list.")
    return JSONResponse(
        {"saved": True, "state": t(request, "Saved"), "recipients": reach, "errors": {}}
    )
