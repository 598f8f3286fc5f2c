"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES
from newsletter.web.client import client_key
from newsletter.web.deps import ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t
from newsletter.web.security import csrf_protect, login, logout, session_account_id

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if not target:
        return "/console/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/console/"
    return target


def client_ip(request: Request) -> str:
    """The client as rate limits see it (see ``web.client``)."""
    return client_key(request)


@router.get("/console/login")
def login_page(request: Request, next: str = "/console/") -> Response:
    if session_account_id(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", next=_safe_next(next), email="")


@router.post("/console/login")
def login_submit(
    request: Request,
    service: ServiceDep,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/console/"),
) -> Response:
    try:
        account = service.accounts.authenticate(email, password, client_ip(request))
    except ValidationError as error:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            email=email,
            error=error.localized(request_language(request)),
        )
    login(request, account)
    return redirect(_safe_next(next), t(request, "Welcome, you are logged in."), request)


@router.post("/console/logout")
def logout_submit(request: Request) -> Response:
    logout(request)
    return redirect("/console/login", t(request, "You are logged out."), request)


@router.get("/lang/{code}")
def choose_language(request: Request, code: str, next: str = "/") -> Response:
    if code in LANGUAGES:
        request.session["lang"] = code
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)
