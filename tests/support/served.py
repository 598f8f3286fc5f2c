"""The app served for a browser-test module, as ``newsletter serve`` runs it (web, delivery
worker, scheduler), and Chromium pages on it.

Everything belongs to the module's test process (one pytest-xdist worker): a folder of
its own (from ``tmp_path_factory``) with the SQLite database and the data directory, a
loopback port held from the moment it is chosen until the server listens on it, a
recording SMTP server of its own when asked (otherwise the app's embedded mail catcher,
on a port of its own too), and a Chromium launched by the module (Playwright gives each
launch a fresh profile in a temporary folder).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import Context, open_context
from newsletter.service import Service
from newsletter.store.db import Database
from tests.support.ports import PortReservation
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, ServerThread
from tests.web.smtp import Received, SmtpServer

EMAIL, PASSWORD = "coordination@example.org", "mot-de-passe-de-test"
#: how long a page action or wait may take before it fails (Playwright's own default is
#: 30 s): ceilings, not expectations; a machine busy with other work needs them high
PAGE_TIMEOUT_MS = 90_000
#: how long ``mails_to`` waits for the delivery worker, on the same grounds
MAIL_TIMEOUT = 90.0


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context whose pages wait up to ``PAGE_TIMEOUT_MS``."""
    context = browser.new_context(**options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    return context


@functools.cache
def _migrated_template() -> Path:
    """A SQLite database at the newest schema, migrated once per test process (one
    pytest-xdist worker) and removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="newsletter-served-"))
    atexit.register(shutil.rmtree, folder, True)
    template = folder / "template.db"
    db = Database.from_url(f"sqlite:///{template}")
    try:
        db.migrate()
    finally:
        db.dispose()
    return template


class ServedApp:
    """A fresh app in ``folder``: prepare it through ``service``, then ``start`` it.

    ``with ServedApp(folder, smtp=True) as app: ...; app.start()``: leaving the block
    stops the server, closes the database and stops the SMTP server. ``options`` are
    settings of the app other than the test defaults (``lists_dir=...``,
    ``click_counting=True``)."""

    def __init__(self, folder: Path, *, smtp: bool = False, **options: Any) -> None:
        self._stack = ExitStack()
        self._port = PortReservation()
        self._stack.callback(self._port.release)
        try:
            self.smtp = self._stack.enter_context(SmtpServer()) if smtp else None
            defaults: dict[str, Any] = {
                "data_dir": folder / "data",
                "database_url": f"sqlite:///{folder / 'web.db'}",
                "secret_key": SecretStr(f"browser-test-secret-key-{folder.name}"),
                "lists_dir": ROOT / "lists",
                "templates_dir": ROOT / "templates",
                "base_url": f"http://127.0.0.1:{self._port.port}",
                "from_address": "Coordination sociale <news@example.org>",
                "bounce_address": "bounces@example.org",
            }
            self.settings = Settings(**{**defaults, **options})
            if self.smtp is not None:
                self.settings = self.settings.model_copy(
                    update={"smtp_host": "127.0.0.1", "smtp_port": self.smtp.port,
                            "smtp_security": "none"}
                )  # fmt: skip
            if "database_url" in options:
                self.ctx: Context = open_context(self.settings)
            else:  # a copy of the migrated template: the schema a fresh migration makes
                shutil.copyfile(_migrated_template(), folder / "web.db")
                self.ctx = open_context(self.settings, migrate=False)
            self._stack.callback(self.ctx.close)
            self.ctx.db.check_schema()
        except BaseException:
            self._stack.close()
            raise
        self.service = Service(self.ctx)
        self._server: ServerThread | None = None

    @property
    def base(self) -> str:
        return self.settings.base_url

    def add_coordinator(self) -> None:
        """The console account the pages log in with (``EMAIL``, ``PASSWORD``)."""
        self.service.accounts.create(EMAIL, PASSWORD, name="Coordination")

    def start(self) -> None:
        """Serve on the held port; it is the server's once it listens."""
        server = ServerThread(self.settings, "127.0.0.1", self._port.port)
        server.start()
        self._port.release()
        self._stack.callback(server.stop)
        self._server = server

    def recorded(self, address: str) -> list[Received]:
        """The messages the SMTP server has received for ``address`` so far."""
        assert self.smtp is not None, "ServedApp(..., smtp=True) records the mail"
        return self.smtp.recorder.to(address)

    def mails_to(
        self, address: str, count: int = 1, timeout: float = MAIL_TIMEOUT
    ) -> list[Received]:
        """The messages the SMTP server received for ``address``, once ``count`` are in."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.recorded(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} message(s) to {address} expected, got "
                             f"{len(self.recorded(address))}")  # fmt: skip

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stack.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page) -> Page:
    """Log ``page`` into the console as the coordinator (``ServedApp.add_coordinator``)."""
    page.goto("/console/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Tableau de bord')")
    return page


@contextmanager
def coordinator_page(base: str, *, javascript: bool = True) -> Iterator[Page]:
    """A Chromium tab on the app at ``base`` (French, 1280x900, dialogs accepted) logged
    into the console as the coordinator; its browser closes with the block."""
    with chromium() as browser:
        context = new_context(
            browser,
            locale="fr-BE",
            base_url=base,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=javascript,
        )
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        yield log_in(tab)
