"""The ASGI application: ``create_app(ctx)`` over ``Service(ctx)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from newsletter.context import Context
from newsletter.errors import NewsletterError, NotFoundError
from newsletter.service import Service
from newsletter.web import auth, console, public
from newsletter.web.console import composer_page
from newsletter.web.console.composer_form import ComposerNotSaved
from newsletter.web.headers import add_security_headers
from newsletter.web.lang import request_language
from newsletter.web.limits import BodyLimit
from newsletter.web.pages import make_templates, render, t
from newsletter.web.security import CsrfFailed, LoginRequired

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "newsletter_session"
SESSION_MAX_AGE = 12 * 3600


def create_app(ctx: Context, service: Service | None = None) -> FastAPI:
    """The web console, the partner form and the public pages, over one service."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service or Service(ctx)
    app.state.templates = make_templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=ctx.settings.secret + ".session",
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=ctx.settings.base_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(BodyLimit, settings=ctx.settings)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        add_security_headers(ctx.settings, request.url.path, response)
        return response

    app.include_router(auth.router)
    app.include_router(console.router)
    app.include_router(public.router)
    app.include_router(public.unprotected)

    app.add_exception_handler(ComposerNotSaved, composer_page.not_saved)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _error: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = "/console/"
        from urllib.parse import quote

        return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _error: CsrfFailed) -> Response:
        message = t(
            request,
            "The form has expired (security check). Go back, reload the page and try again.",
        )
        return render(request, "error.html", status_code=403, message=message)

    @app.exception_handler(NewsletterError)
    async def _domain(request: Request, error: NewsletterError) -> Response:
        status = 404 if isinstance(error, NotFoundError) else 400
        message = error.localized(request_language(request))
        return render(request, "error.html", status_code=status, message=message)

    @app.exception_handler(413)
    async def _too_large(request: Request, _error: Exception) -> Response:
        message = t(request, "What you sent is too large.")
        return render(request, "error.html", status_code=413, message=message)

    @app.exception_handler(408)
    async def _too_slow(request: Request, _error: Exception) -> Response:
        message = t(request, "What you sent took too long to arrive. Try again.")
        return render(request, "error.html", status_code=408, message=message)

    @app.exception_handler(404)
    async def _not_found(request: Request, _error: Exception) -> Response:
        message = t(request, "This page does not exist.")
        return render(request, "error.html", status_code=404, message=message)

    return app
