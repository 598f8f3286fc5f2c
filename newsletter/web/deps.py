"""The typed seam between the web routes and the service layer.

Routes take ``service: ServiceDep`` (a FastAPI dependency) instead of reaching into
``request.app.state``; helpers that only have the request call ``get_service(request)``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from newsletter.service import Service


def get_service(request: Request) -> Service:
    """The one ``Service`` the application was created with."""
    service = request.app.state.service
    if not isinstance(service, Service):
        raise RuntimeError("the application has no service")
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
