"""The variants of an issue rendered in a child process, for a sender that splices only.

Rendering a variant needs Jinja2, premailer (with lxml and cssutils), Babel, the issue
model and the calendar code: about 25 MB of imports, used once per variant. A sending
process needs only the result (the variant's bytes and line templates) and the splice
code. So ``issue send`` renders in a short-lived child (a fork of itself when it runs
a single thread, else ``python -m newsletter.service.variants``): the child reads the
issue and hands back each variant, pickled through a pipe, as soon as it is rendered,
the commonest first (French and Dutch for readers of no member organisation, then the
members' variants); it never writes: the sender keeps a render failure on the issue,
as ``check_renderable`` does. The sender then loads only ``render.prepare`` and
``render.splice``, which import none of those libraries. A new send starts the child
first and takes the snapshot of its recipients while the child renders; the snapshot
says which variants its readers need, and it is committed once those are rendered (the
child is then ended: a public list of non-members needs two variants of six).

The pipe joins two processes of the same installation and carries nothing from
outside (only the settings and the issue id go in, only what the renderer made comes
out), which is what makes pickle acceptable here.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

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


#: memberships in the order their variants are rendered (the commonest readers first)
MEMBERSHIP_ORDER = (Membership.none, Membership.full, Membership.associate)


def wanted(readers: Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """The (language, membership) pairs to render: ``readers``, or every pair, readers
    of no member organisation first."""
    if readers is not None:
        return list(readers)
    return [(lang, kind.value) for kind in MEMBERSHIP_ORDER for lang in LANGUAGES]


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
        self._done = False  # the child's answer was read (or it was ended)

    def result(self, needed: Collection[tuple[str, str]] | None = None) -> RenderedVariants:
        """The rendered variants: those ``needed`` ((language, membership) pairs), or all
        the child renders. The child's answer is read once, as far as needed; then the
        child is ended."""
        if self._answer is None:
            self._answer = self._read(needed)
        kind, value = self._answer
        if kind == "error":
            raise value
        if kind == "render-error":
            raise RenderError(value.msgid, **value.params)
        return RenderedVariants(value)

    def _read(self, needed: Collection[tuple[str, str]] | None) -> tuple[str, Any]:
        variants: dict[tuple[str, str], PreparedMessage] = {}
        missing = None if needed is None else set(needed)
        try:
            for kind, value in self._child.frames():
                if kind != "variant":
                    return (kind, value) if kind != "done" else ("ok", variants)
                key, variant = value
                variants[key] = variant
                if missing is not None:
                    missing.discard(key)
                    if not missing:  # the rest is for readers this send does not have
                        return "ok", variants
            raise RuntimeError("the render child ended without an answer")
        finally:
            self._done = True
            self._child.close()

    def close(self) -> None:
        """End the child if its answer was not read (nothing it did is kept)."""
        if not self._done:
            self._done = True
            self._child.close()


def _spawned(request: bytes, issue_id: int) -> list[tuple[str, Any]]:
    """The answer of a new interpreter running this module, frame by frame."""
    child = _Spawned(request, issue_id)
    try:
        return list(child.frames())
    finally:
        child.close()


def _forked(request: bytes) -> list[tuple[str, Any]]:
    """The answer of a forked copy of this process, frame by frame."""
    child = _Forked(request)
    try:
        return list(child.frames())
    finally:
        child.close()


def _frames(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The pickled frames of a child's answer, as they come."""
    while True:
        try:
            frame = pickle.load(stream)  # noqa: S301 - our own child's
        except EOFError:
            return
        yield frame
        if frame[0] != "variant":
            return


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

    def frames(self) -> Iterator[tuple[str, Any]]:
        """The whole answer first (its stderr is read too, so it cannot fill its pipe),
        then its frames: this path serves processes that run threads (``serve``)."""
        try:
            out, err = self.process.communicate(timeout=CHILD_SECONDS)
        except BaseException:
            self.close()
            raise
        if self.process.returncode != 0 or not out:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["-"]
            raise RuntimeError(f"rendering issue {self.issue_id} failed: {detail[0][:500]}")
        yield from _frames(io.BytesIO(out))

    def close(self) -> None:
        if self.process.returncode is None:
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
            gc.disable()  # a short life that ends with os._exit: nothing worth collecting
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    _answer(request, out)
            finally:
                os._exit(0)
        os.close(write)
        self.pid = pid
        self.stream: IO[bytes] | None = os.fdopen(read, "rb")

    def frames(self) -> Iterator[tuple[str, Any]]:
        assert self.stream is not None, "the child was ended"
        got = False
        for frame in _frames(self.stream):
            got = True
            yield frame
        if not got:
            _pid, status = os.waitpid(self.pid, 0)
            self.pid = 0
            raise RuntimeError(f"the render child ended with status {status} and no answer")

    def close(self) -> None:
        """End the child (done or not) and reap it."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def _answer(request: bytes, out: IO[bytes]) -> None:
    """Write the answer to a request, a pickled frame at a time: ("variant", (key,
    variant)) as each is rendered, then ("done", None), or an ("error", error) or
    ("render-error", msg) frame that ends it. Never raises (but for a closed pipe: the
    parent has what it needs)."""

    def send(frame: tuple[str, Any]) -> None:
        out.write(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
        out.flush()

    try:
        for frame in _child(request):
            send(frame)
    except BrokenPipeError:
        return
    except Exception as error:  # the database gone, the disk full: raised in the parent
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}"[:500])
        send(("error", error))


def _child(request: bytes) -> Iterator[tuple[str, Any]]:
    from newsletter.context import open_context
    from newsletter.render.prepare import prepare_issue

    settings, issue_id, readers = pickle.loads(request)  # noqa: S301 - from our parent
    ctx = open_context(settings, migrate=False)
    try:  # read only: the parent keeps a failure on the issue (it may hold a transaction)
        with ctx.db.session() as session:
            prepared = prepare_issue(session, settings, issue_id)
        for lang, kind in readers:
            yield "variant", ((lang, kind), prepared.variant(lang, kind))
        yield "done", None
    except RenderError as error:
        yield "render-error", error.msg
    except NewsletterError as error:
        yield "error", error
    finally:
        ctx.close()


def main() -> int:
    """The child: a pickled request on stdin, the pickled answer on stdout."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the answer
    request = sys.stdin.buffer.read()
    with os.fdopen(answer_fd, "wb") as out:
        _answer(request, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
