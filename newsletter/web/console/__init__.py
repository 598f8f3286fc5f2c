"""The coordinator console: every route requires a logged-in account and CSRF tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from newsletter.web.console import (
    assemblies,
    attendance,
    dashboard,
    issue_content,
    issue_life,
    issues,
    list_posts,
    members,
    news,
    news_bulk,
    partners,
    people,
    reports,
)
from newsletter.web.security import csrf_protect, current_account

router = APIRouter(
    prefix="/console", dependencies=[Depends(current_account), Depends(csrf_protect)]
)
for module in (
    dashboard,
    news_bulk,
    news,
    list_posts,
    issue_content,
    issue_life,
    issues,
    people,
    members,
    assemblies,
    attendance,
    partners,
    reports,
):
    router.include_router(module.router)
