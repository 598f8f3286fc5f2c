"""Console login, CSRF tokens and flash messages.

The signed cookie carries the language, the CSRF token, flash messages and the secret
of a server-side session (``service.sessions``); being logged in is decided by the
database, so logout and a new password end a session even for a copied cookie."""

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
#: the cookie's key holding the secret of the server-side session
SESSION_KEY = "sid"


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
    """Start a fresh server-side session for ``account`` (a new CSRF token too)."""
    service = get_service(request)
    old = request.session.get(SESSION_KEY)
    if isinstance(old, str):
        service.sessions.close(old)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session[SESSION_KEY] = service.sessions.open(account.id)
    request.session["csrf"] = secrets.token_urlsafe(32)


def logout(request: Request) -> None:
    """End the session in the database (a copy of the cookie is refused) and in the
    browser."""
    secret = request.session.get(SESSION_KEY)
    if isinstance(secret, str):
        get_service(request).sessions.close(secret)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def session_account_id(request: Request) -> int | None:
    """The account of the request's live console session, if any."""
    if "session" not in request.scope:
        return None
    secret = request.session.get(SESSION_KEY)
    if not isinstance(secret, str):
        return None
    account_id = get_service(request).sessions.account_of(secret)
    if account_id is None:
        request.session.pop(SESSION_KEY, None)
    return account_id


def current_account(request: Request) -> Account:
    """Router dependency of the console: the logged-in account, or LoginRequired."""
    account_id = session_account_id(request)
    if account_id is None:
        raise LoginRequired()
    service = get_service(request)
    try:
        account: Account = service.accounts.get(account_id)
    except NotFoundError as error:
        request.session.pop(SESSION_KEY, None)
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
