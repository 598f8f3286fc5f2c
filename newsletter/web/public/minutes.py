"""The minutes (PV) of the AGs on the web: drafts and final versions; a members-only PV
is listed for everyone but read only by members (through one of their personal links in
this browser) and coordinators, as members-only issues are."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.web.deps import ServiceDep
from newsletter.web.pages import render
from newsletter.web.public.archive import file_policy, may_read

router = APIRouter()


@router.get("/minutes")
def minutes_list(request: Request, service: ServiceDep) -> Response:
    entries = service.assemblies.minutes_archive()
    readable = {e.assembly_id for e in entries if may_read(request, e.public)}
    return render(request, "public/minutes.html", entries=entries, readable=readable)


@router.get("/minutes/{assembly_id}/{filename}")
def minutes_download(
    request: Request, service: ServiceDep, assembly_id: int, filename: str
) -> Response:
    entry, content_type, data = service.assemblies.minutes_file(assembly_id)
    if not may_read(request, entry.public):
        raise NotFoundError(N_("These minutes are for members only."))
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(entry.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store" if not entry.public else "public, max-age=3600",
            "Content-Security-Policy": file_policy(content_type),
        },
    )
