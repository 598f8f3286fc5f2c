"""The typed seam between the web routes and the service layer.

Routes take ``service: ServiceDep`` (a FastAPI dependency) instead of reaching into
``request.app.state``; helpers that only have the request call ``get_service(request)``.
Console routes that record who acted take ``account: AccountDep``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from newsletter.service import Service
from newsletter.service.accounts import Account


def get_service(request: Request) -> Service:
    """The one ``Service`` the application was created with."""
    service = request.app.state.service
    if not isinstance(service, Service):
        raise RuntimeError("the application has no service")
    return service


def signed_in(request: Request) -> Account:
    """The logged-in coordinator (the console router has already checked the session)."""
    account = getattr(request.state, "account", None)
    if isinstance(account, Account):
        return account
    from newsletter.web.security import current_account

    return current_account(request)


ServiceDep = Annotated[Service, Depends(get_service)]
AccountDep = Annotated[Account, Depends(signed_in)]
