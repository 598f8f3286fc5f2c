"""The archive of a mailing list: its threads, a search, one post (members only).

Who may read is the service's rule (``list_archive.may_read``); the member is the one
their personal links made known in this browser (``session["reader"]``, as for
members-only issues), a coordinator is logged into the console.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.web.deps import ServiceDep
from newsletter.web.pages import render
from newsletter.web.security import session_account_id

router = APIRouter()
#: longest search text taken (characters)
MAX_SEARCH = 200


def _closed(request: Request, service: ServiceDep, list_id: str) -> Response | None:
    reader = request.session.get("reader")
    allowed = service.list_archive.may_read(
        list_id,
        reader=reader if isinstance(reader, int) else None,
        coordinator=session_account_id(request) is not None,
    )
    if allowed:
        return None
    segment = service.list_archive.list(list_id)
    return render(request, "public/list_closed.html", status_code=403, segment=segment)


@router.get("/lists/{list_id}/archive")
def list_archive(
    request: Request, service: ServiceDep, list_id: str, q: str = "", page: int = 1
) -> Response:
    closed = _closed(request, service, list_id)
    if closed is not None:
        return closed
    found = service.list_archive.page(list_id, text=q[:MAX_SEARCH], page=page)
    return render(request, "public/list_archive.html", archive=found, segment=found.segment)


@router.get("/lists/{list_id}/archive/{post_id}")
def list_post(request: Request, service: ServiceDep, list_id: str, post_id: int) -> Response:
    closed = _closed(request, service, list_id)
    if closed is not None:
        return closed
    shown = service.list_archive.post(list_id, post_id)
    return render(request, "public/list_post.html", shown=shown, segment=shown.segment)
