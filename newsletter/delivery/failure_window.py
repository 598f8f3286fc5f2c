"""The auto-pause rule's memory: the last results of a send, kept across runs."""

from __future__ import annotations

from collections import deque

from newsletter.i18n import N_

AUTO_PAUSED = N_("{failed} of the last {window} messages failed; last reply: {reply}")


class Window:
    """The last ``size`` results of a send, kept across runs: 0 sent, FAILED, or
    UNREACHABLE (no answer from the relay: connection refused or lost, 421)."""

    FAILED = 1
    UNREACHABLE = 2

    def __init__(self, size: int) -> None:
        self.results: deque[int] = deque(maxlen=size)
        self.failures = 0
        self.unreachable = 0

    def add(self, result: int) -> None:
        if len(self.results) == self.results.maxlen:
            oldest = self.results[0]
            self.failures -= oldest != 0
            self.unreachable -= oldest == self.UNREACHABLE
        self.results.append(result)
        self.failures += result != 0
        self.unreachable += result == self.UNREACHABLE

    @property
    def relay_down(self) -> bool:
        """Most failures are the relay not answering (rather than refusing)."""
        return self.failures > 0 and self.unreachable * 2 >= self.failures
