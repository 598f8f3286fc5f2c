"""Several news items of the queue at once: approve, reject (one reason) or move to a
category — all of the selected ones, or none when one cannot be."""

from __future__ import annotations

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.web.console import filters
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, t

router = APIRouter()


@router.post("/news/bulk")
def bulk(
    request: Request,
    service: ServiceDep,
    ids: list[int] = Form([]),
    action: str = Form(""),
    reason: str = Form(""),
    category: str = Form(""),
    back: str = Form("pending"),
) -> Response:
    if "=" in back:  # the filtered queue the items were chosen in
        url = "/console/news?" + filters.kept_query(back, filters.NEWS_KEYS)
    else:
        url = f"/console/news?status={back if back.replace('_', '').isalnum() else 'pending'}"
    account = getattr(request.state, "account", None)
    actor = getattr(account, "email", "") or "console"
    try:
        if action == "category":
            done = service.moderation.recategorize(ids, category)
        elif action in ("approve", "reject"):
            done = service.moderation.moderate_many(ids, action, reason=reason, by=actor)
        else:
            raise ValidationError(N_("Unknown action."))
    except NewsletterError as error:
        return redirect(url, error.localized(request_language(request)), request, kind="error")
    return redirect(url, t(request, "{n} news items changed.", n=len(done)), request)
