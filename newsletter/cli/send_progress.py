"""What ``issue send`` shows while it sends: a bar on a terminal, a plain line now and
then elsewhere (a script, a log file). Either costs next to nothing per message: the
caller hands it the totals at most every ``every`` seconds, and nothing redraws in a
thread of its own."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from newsletter.cli.common import _, err_console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

Traceback = TracebackType | None

#: a terminal's bar is redrawn at most this often (seconds)
BAR_SECONDS = 0.5
#: elsewhere, one plain progress line at most this often (seconds)
LINE_SECONDS = 10.0


class SendDisplay(Protocol):
    #: the caller hands over the totals at most this often (seconds)
    every: float

    def __enter__(self) -> SendDisplay: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Traceback
    ) -> None: ...

    def line(self, text: str) -> None:
        """A line of its own (a fault starts or ends), shown at once."""

    def show(
        self, description: str, done: int, sent: int, failed: int, rate: float, final: bool
    ) -> None:
        """The totals now; ``final``: the last call, the summary follows."""


def send_display(total: int, done: int, sent: int, failed: int) -> SendDisplay:
    """The bar when standard error is a terminal, plain lines otherwise."""
    if err_console.is_terminal:
        return _Bar(total, done, sent, failed)
    return _Lines(total)


class _Bar:
    """rich's bar, redrawn only when the totals are handed over (no refresh thread)."""

    every = BAR_SECONDS

    def __init__(self, total: int, done: int, sent: int, failed: int) -> None:
        from rich.progress import (  # only on a terminal: rich.progress is slow to import
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(_("sent {task.fields[sent]} · failed {task.fields[failed]}")),
            TextColumn("{task.fields[rate]:.0f}/s"),
            TimeRemainingColumn(),
        )
        self._progress: Progress = Progress(
            *columns, console=err_console, transient=False, auto_refresh=False
        )
        self._task: TaskID = self._progress.add_task(
            _("Sending"), total=total, completed=done, sent=sent, failed=failed, rate=0.0
        )

    def __enter__(self) -> _Bar:
        self._progress.start()
        self._progress.refresh()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Traceback
    ) -> None:
        self._progress.stop()

    def line(self, text: str) -> None:
        self._progress.console.print(text, markup=False)

    def show(
        self, description: str, done: int, sent: int, failed: int, rate: float, final: bool
    ) -> None:
        self._progress.update(
            self._task, description=description, completed=done, sent=sent, failed=failed,
            rate=rate,
        )  # fmt: skip
        self._progress.refresh()


class _Lines:
    """One plain line every ``LINE_SECONDS`` while sending, nothing redrawn."""

    every = LINE_SECONDS

    def __init__(self, total: int) -> None:
        self._total = total

    def __enter__(self) -> _Lines:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Traceback
    ) -> None:
        return None

    def line(self, text: str) -> None:
        err_console.print(text, markup=False)

    def show(
        self, description: str, done: int, sent: int, failed: int, rate: float, final: bool
    ) -> None:
        if final:  # the summary says it
            return
        err_console.print(
            _("{what}: {done} of {total} ({sent} sent, {failed} failed, {rate}/s)").format(
                what=description, done=done, total=self._total, sent=sent, failed=failed,
                rate=round(rate),
            ),
            markup=False,
        )  # fmt: skip
