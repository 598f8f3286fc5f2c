"""The timing loop of the benchmarks: a call repeated, its median and 95th percentile.

Wall-clock time and the CPU time of this process (``time.process_time``), both in
milliseconds: on a shared machine the wall time is mostly waiting, the CPU time says what
the call costs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Median and 95th percentile of the wall and CPU times, in milliseconds."""

    median: float
    p95: float
    cpu_median: float
    cpu_p95: float


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile (the sample below which 95 % of them lie)."""
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(
    call: Callable[[], T], count: int, check: Callable[[T], object] | None = None,
    before: Callable[[], object] | None = None,
) -> Timing:  # fmt: skip
    """``call()`` ``count`` times; ``check`` sees each answer (an assertion on it);
    ``before``, when given, runs before each call, outside the time measured."""
    wall, cpu = [], []
    for _ in range(count):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        answer = call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if check is not None:
            check(answer)
    return Timing(statistics.median(wall), p95(wall), statistics.median(cpu), p95(cpu))
