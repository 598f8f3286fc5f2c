"""Request bodies: a size cap checked before anything reads them, and a time limit.

A body announced larger than its cap (``Content-Length``) is refused with 413 before a
byte is read; a body that grows past the cap while it arrives (chunked) is cut at the
cap. Forms with files (the news form, the console's imports) get ``UPLOAD_MAX_BYTES``,
every other request ``FORM_MAX_BYTES``. A client that takes longer than
``REQUEST_TIMEOUT`` seconds to send its body gets 408. The CSRF check reads the form
through this cap, so an anonymous 150 MB upload is never read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsletter.config import Settings

#: paths whose forms may carry files (when sent as multipart/form-data)
UPLOAD_PREFIXES = ("/submit", "/console/")
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


def body_cap(settings: Settings, path: str, content_type: str) -> int:
    if content_type.startswith("multipart/form-data") and path.startswith(UPLOAD_PREFIXES):
        return settings.upload_max_bytes
    return settings.form_max_bytes


class BodyLimit:
    """ASGI middleware enforcing the size cap and the time limit of request bodies."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        cap = body_cap(self.settings, scope.get("path", ""), content_type)
        announced = headers.get(b"content-length")
        if announced is not None and (not announced.isdigit() or int(announced) > cap):
            await _refuse(send, 413)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.request_timeout
        received = 0

        async def limited() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.01))
            except TimeoutError as error:
                raise HTTPException(408) from error
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


async def _refuse(send: Send, status: int) -> None:
    body = b"Request body too large\n" if status == 413 else b"Request timeout\n"
    headers: list[Any] = [(b"content-type", b"text/plain; charset=utf-8"),
                          (b"content-length", str(len(body)).encode()),
                          (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
