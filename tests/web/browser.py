"""Browser-test support: the app served by uvicorn in a thread, Chromium, axe-core."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from newsletter.config import Settings
from newsletter.web.server import serve_async

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class ServerThread:
    """``newsletter serve`` (web, delivery worker, scheduler) in a thread of its own."""

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self.settings, self.host, self.port = settings, host, port
        self.loop: asyncio.AbstractEventLoop | None = None
        self.shutdown: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            self.shutdown = asyncio.Event()
            await serve_async(self.settings, host=self.host, port=self.port, worker=True,
                              shutdown=self.shutdown)  # fmt: skip

        try:
            asyncio.run(main())
        except BaseException as error:  # reported by start()
            self.error = error

    def start(self, timeout: float = 120.0) -> None:
        """Wait until the server listens; the ceiling is generous, for a test machine
        busy with other work (a server that starts returns at once)."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error is not None:
                raise RuntimeError("the server did not start") from self.error
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not listen on {self.host}:{self.port}")

    def stop(self) -> None:
        if self.loop is not None and self.shutdown is not None:
            self.loop.call_soon_threadsafe(self.shutdown.set)
        self.thread.join(timeout=30)


class Auditor:
    """Runs axe-core's WCAG 2.1 A/AA rules on pages and keeps the list of pages checked."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Page, name: str, screenshot: bool = True) -> None:
        page.wait_for_load_state("load")
        # evaluated through the DevTools protocol: the pages' CSP forbids inline scripts
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result: dict[str, Any] = page.evaluate(
            "async (tags) => await axe.run(document, "
            "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]
        self.checked.append(f"{name}: {page.url}")
        if screenshot:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert violations == [], f"axe violations on {name} ({page.url}):\n" + json.dumps(
            violations, indent=2, ensure_ascii=False
        )
