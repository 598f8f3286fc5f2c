"""The variants of an issue rendered in a child process, for a sender that splices only.

Rendering a variant needs Jinja2, premailer (with lxml and cssutils), Babel, the issue
model and the calendar code: about 25 MB of imports, used once per variant. A sending
process needs only the result (the variant's bytes and line templates) and the splice
code. So ``issue send`` renders in a short-lived child (a fork of itself when it runs
a single thread, else ``python -m newsletter.service.variants``): the child reads the
issue, renders every variant the send needs and hands the prepared variants back
pickled through a pipe (it never writes: the sender keeps a render failure on the issue,
as ``check_renderable`` does); the sender then loads only ``render.prepare`` and
``render.splice``, which import none of those libraries. A new send starts the child
first and takes the snapshot of its recipients while the child renders, and commits the
snapshot only once every variant is rendered.

The pipe joins two processes of the same installation and carries nothing from
outside (only the settings and the issue id go in, only what the renderer made comes
out), which is what makes pickle acceptable here.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from typing import Any

from newsletter.config import Settings
from newsletter.errors import NewsletterError, RenderError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES
from newsletter.models import Membership
from newsletter.render.contract import PreparedMessage

#: how long the child may take (a render takes well under a second per variant)
CHILD_SECONDS = 600.0
#: the module whose presence says that this process has the renderer loaded already
RENDERER = "newsletter.render.templating"


def renderer_loaded() -> bool:
    """Whether this process has the template engine loaded (then a child gains nothing)."""
    return RENDERER in sys.modules


class RenderedVariants:
    """The prepared variants of one issue, by reader (language, membership)."""

    def __init__(self, variants: dict[tuple[str, str], PreparedMessage]) -> None:
        self.variants = variants

    def variant(self, language: str, membership: str = Membership.none.value) -> PreparedMessage:
        found = self.variants.get((language, membership))
        if found is None:  # a language without a version of its own reads the default
            found = self.variants.get((DEFAULT_LANGUAGE, membership))
        if found is None:
            raise KeyError(f"variant {language}/{membership} was not rendered")
        return found


def wanted(readers: Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """The (language, membership) pairs to render: ``readers``, or every pair."""
    if readers is not None:
        return list(readers)
    return [(lang, kind.value) for lang in LANGUAGES for kind in Membership]


class PendingRender:
    """A render child started now, its answer read by ``result`` (while the child
    renders, the sender can take the snapshot of the recipients). ``close`` ends a
    child whose answer is no longer wanted."""

    def __init__(
        self, settings: Settings, issue_id: int, readers: Iterable[tuple[str, str]] | None = None
    ) -> None:
        request = pickle.dumps((settings, issue_id, wanted(readers)))
        single = threading.active_count() == 1
        self._child = _Forked(request) if single else _Spawned(request, issue_id)
        self._answer: tuple[str, Any] | None = None

    def result(self) -> RenderedVariants:
        """The rendered variants (the child's answer is read once)."""
        if self._answer is None:
            self._answer = pickle.loads(self._child.answer())  # noqa: S301 - our own child's
        kind, value = self._answer
        if kind == "error":
            raise value
        if kind == "render-error":
            raise RenderError(value.msgid, **value.params)
        return RenderedVariants(value)

    def close(self) -> None:
        """End the child if its answer was not read (nothing it did is kept)."""
        if self._answer is None:
            self._child.kill()


def _spawned(request: bytes, issue_id: int) -> bytes:
    """The answer of a new interpreter running this module."""
    return _Spawned(request, issue_id).answer()


def _forked(request: bytes) -> bytes:
    """The answer of a forked copy of this process."""
    return _Forked(request).answer()


class _Spawned:
    """A new interpreter running this module, for a process that runs threads."""

    def __init__(self, request: bytes, issue_id: int) -> None:
        self.issue_id = issue_id
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsletter.service.variants"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert self.process.stdin is not None
        with self.process.stdin:  # a few KB: the pipe takes it at once
            self.process.stdin.write(request)
        self.process.stdin = None

    def answer(self) -> bytes:
        try:
            out, err = self.process.communicate(timeout=CHILD_SECONDS)
        except BaseException:
            self.kill()
            raise
        if self.process.returncode != 0 or not out:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["-"]
            raise RuntimeError(f"rendering issue {self.issue_id} failed: {detail[0][:500]}")
        return out

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate()


class _Forked:
    """A forked copy of this process (single-threaded, so safe to fork): it has the
    settings, the database driver and the splice code loaded already, and skips an
    interpreter start. It opens a database engine of its own, never touches this
    process's connections, and leaves with ``os._exit`` (no finaliser runs)."""

    def __init__(self, request: bytes) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(_answer(request))
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.read = pid, read

    def answer(self) -> bytes:
        with os.fdopen(self.read, "rb") as answer:
            data = answer.read()
        _pid, status = os.waitpid(self.pid, 0)
        if not data:
            raise RuntimeError(f"the render child ended with status {status} and no answer")
        return data

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.close(self.read)
        os.waitpid(self.pid, 0)


def _answer(request: bytes) -> bytes:
    """The pickled answer to a request; never raises."""
    try:
        answer = _child(request)
    except Exception as error:  # the database gone, the disk full: raised in the parent
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}"[:500])
        answer = ("error", error)
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


def _child(request: bytes) -> tuple[str, Any]:
    from newsletter.context import open_context
    from newsletter.service import Service

    settings, issue_id, readers = pickle.loads(request)  # noqa: S301 - from our parent
    ctx = open_context(settings, migrate=False)
    try:  # read only: the parent keeps a failure on the issue (it may hold a transaction)
        prepared = Service(ctx).delivery.render_variants(issue_id, readers)
        return "ok", {(lang, kind): prepared.variant(lang, kind) for lang, kind in readers}
    except RenderError as error:
        return "render-error", error.msg
    except NewsletterError as error:
        return "error", error
    finally:
        ctx.close()


def main() -> int:
    """The child: a pickled request on stdin, the pickled answer on stdout."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the answer
    request = sys.stdin.buffer.read()
    with os.fdopen(answer_fd, "wb") as out:
        out.write(_answer(request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
