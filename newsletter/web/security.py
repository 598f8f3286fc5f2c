"""Console login, CSRF tokens and flash messages, all kept in the signed session cookie."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

from newsletter.errors import NotFoundError
from newsletter.service.accounts import Account
from newsletter.web.deps import get_service

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """Raised by ``current_account`` when nobody is logged in (redirects to the login page)."""


class CsrfFailed(Exception):
    """A form came without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Router dependency: every unsafe request must carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise CsrfFailed()


def login(request: Request, account: Account) -> None:
    """Start a fresh session for ``account`` (a new CSRF token too)."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["account"] = account.id
    request.session["csrf"] = secrets.token_urlsafe(32)


def logout(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def current_account(request: Request) -> Account:
    """Router dependency of the console: the logged-in account, or LoginRequired."""
    account_id = request.session.get("account")
    if not isinstance(account_id, int):
        raise LoginRequired()
    service = get_service(request)
    try:
        account: Account = service.accounts.get(account_id)
    except NotFoundError as error:
        request.session.pop("account", None)
        raise LoginRequired() from error
    request.state.account = account
    return account


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A message shown once on the next page (already translated)."""
    messages: list[Any] = list(request.session.get("flash", []))
    messages.append([kind, message])
    request.session["flash"] = messages


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    messages = request.session.pop("flash", []) if "session" in request.scope else []
    return [(str(kind), str(text)) for kind, text in messages]
