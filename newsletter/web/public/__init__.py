"""Public pages: archive, subscribe, confirm, preferences, unsubscribe, RSVP, feeds,
partner submission form, the counting redirect of links, the privacy notice and the
archives of the mailing lists.

``router`` carries CSRF protection; ``unprotected`` holds only the RFC 8058 one-click
unsubscribe POST, which mail clients send without any cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from newsletter.web.public import (
    archive,
    feeds,
    list_archive,
    minutes,
    news_item,
    partner,
    redirect,
    rsvp,
    subscription,
    unsubscribe,
)
from newsletter.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for module in (
    subscription, archive, minutes, partner, news_item, rsvp, feeds, unsubscribe, redirect,
    list_archive,
):  # fmt: skip
    router.include_router(module.router)
unprotected = unsubscribe.one_click
