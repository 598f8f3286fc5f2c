"""The counting redirect of the links of an issue (``CLICK_COUNTING``) and the privacy
notice that says what is counted.

``GET /r/{token}`` counts one click (``service.clicks``) and answers 303 to the address
the signed token names; a forged or altered token gets a page that says so, with status
400, and leads nowhere (never an open redirect). The token is kept out of the access log
(``links.TOKEN_PATHS``) and nothing else of the request is recorded.
"""

from __future__ import annotations

from email.utils import parseaddr

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsletter.errors import ValidationError
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import render

router = APIRouter()

#: the address the reader goes to is theirs: no Referer, nothing cached on the way
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.api_route("/r/{token}", methods=["GET", "HEAD"])
def follow_link(request: Request, service: ServiceDep, token: str) -> Response:
    try:
        url = service.clicks.follow(token, count=request.method == "GET")
    except ValidationError as error:
        message = error.localized(request_language(request))
        return render(request, "public/link_invalid.html", status_code=400, message=message)
    return RedirectResponse(url, status_code=303, headers=_HEADERS)


@router.get("/privacy")
def privacy(request: Request, service: ServiceDep) -> Response:
    settings = service.ctx.settings
    return render(
        request,
        "public/privacy.html",
        counting=settings.click_counting,
        individual=settings.click_counting and settings.click_tracking_individual,
        base_url=settings.base_url.rstrip("/"),
        contact=parseaddr(settings.reply_to or settings.from_address)[1],
    )
