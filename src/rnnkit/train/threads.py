"""How many CPU threads torch trains with: measured on the machine as it is now, not guessed.

torch starts one OpenMP thread per core. Beside another busy process those threads wait for a core they
do not get, and a step can take many times longer than on one thread (a laptop, a shared server).
Unless ``--threads N`` fixes the count, the trainer times its own steps with each candidate count
(1 thread, torch's count, and half of it on 4 or more cores), interleaved, keeps the fastest per item,
and measures again every few minutes, so a run follows the machine as other jobs come and go. The
steps it times are ordinary training steps: nothing is thrown away.

torch's count (``OMP_NUM_THREADS``, or ``torch.set_num_threads`` before training) is the most it tries;
with 1 there is nothing to choose. Different thread counts may sum in a different order, so a run whose
count is chosen can differ from another in the last bits: give ``--threads N`` where every bit must
repeat. How idle threads wait (``OMP_WAIT_POLICY``) is left to OpenMP: ``PASSIVE`` cost 28% of the
speed on a quiet machine (docs/PERFORMANCE.md), so rnnkit does not set it.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import torch

__all__ = ["ThreadChooser", "candidate_counts", "chosen_per_item", "threads_kept"]

T = TypeVar("T")


def candidate_counts(before: int) -> list[int]:
    """The thread counts a run may train with when ``--threads`` is not given and torch has ``before``:
    1, ``before``, and half of it on 4 or more cores (only ``before`` when that is 1)."""
    return sorted({1, before, *([before // 2] if before >= 4 else [])})


@contextlib.contextmanager
def threads_kept() -> Iterator[int]:
    """Inside, torch's thread count may be set at will; after, it is the count it was (given to the block), as a
    library call must leave a caller's process-wide settings."""
    before = torch.get_num_threads()
    try:
        yield before
    finally:
        torch.set_num_threads(before)


class ThreadChooser:
    """Picks torch's thread count during training (see the module docstring).

    ``threads``: a fixed count (set now, never changed) or None to choose. The trainer calls
    :meth:`before_step` and :meth:`after_step` around each update and :meth:`close` at the end (torch's
    count before the run is restored). ``after_step`` returns a line to show when the choice is made.
    """

    def __init__(self, threads: int | None, *, recheck_s: float = 180.0, steps_each: int = 2, rounds: int = 2,
                 warmup: int = 1, clock: Callable[[], float] = time.perf_counter) -> None:
        self.before = torch.get_num_threads()
        self.candidates: list[int] = []
        if threads:
            torch.set_num_threads(threads)
        elif self.before > 1:
            self.candidates = candidate_counts(self.before)
        self.recheck_s, self.steps_each, self.rounds, self.clock = recheck_s, steps_each, rounds, clock
        self.chosen: int | None = None
        self._plan: list[int] = []
        self._times: dict[int, list[float]] = {}
        self._skip = warmup  # the first steps of a run allocate and warm caches: not timed
        self._next_check = -float("inf")

    def before_step(self) -> None:
        """Set the thread count for the coming update (a trial's, or the chosen one)."""
        if not self.candidates or self._skip:
            return
        if not self._plan and self.clock() >= self._next_check:
            self._plan = [n for _ in range(self.rounds) for n in self.candidates for _ in range(self.steps_each)]
            self._times = {n: [] for n in self.candidates}
        if self._plan and torch.get_num_threads() != self._plan[0]:
            torch.set_num_threads(self._plan[0])

    def after_step(self, seconds: float, items: int) -> str | None:
        """Record the update's time; at the end of a trial, set the fastest count and describe it."""
        if self._skip:
            self._skip -= 1
            return None
        if not self._plan:
            return None
        self._times[self._plan.pop(0)].append(seconds / max(items, 1))
        if self._plan:
            return None
        per_item = {n: statistics.median(t) for n, t in self._times.items()}
        best = min(per_item, key=lambda n: per_item[n])
        torch.set_num_threads(best)
        self._next_check = self.clock() + self.recheck_s
        changed, self.chosen = best != self.chosen, best
        if not changed:
            return None
        timed = ", ".join(f"{n}: {1e6 * per_item[n]:.2f} µs" for n in self.candidates)
        return (f"threads: {best} of {self.before} (per item with {timed}); measured again every "
                f"{self.recheck_s / 60:g} min; --threads N fixes it")

    def close(self) -> None:
        """Give torch back the thread count it had before the run."""
        torch.set_num_threads(self.before)


def chosen_per_item(items: Iterable[T], threads: int | None = None, *, steps_each: int = 8, rounds: int = 2,
                    clock: Callable[[], float] = time.perf_counter) -> Iterator[T]:
    """``items``, each made (``next``) on the thread count a :class:`ThreadChooser` picks from the first ones, as
    training's steps are: a sampler's characters, one model step each (docs/PERFORMANCE.md: on one stream one
    thread is a little slower than two alone, and several times faster beside a busy process). ``threads``
    fixes the count. Between items the caller's count is back, so a caller reading them one at a time keeps its
    own; an item's time includes nothing of the caller's."""
    with threads_kept():  # a fixed count is set by the chooser at once; the caller's is back after the block
        chooser = ThreadChooser(threads, steps_each=steps_each, rounds=rounds, clock=clock)
        working = torch.get_num_threads()
    source = iter(items)
    while True:
        with threads_kept():
            torch.set_num_threads(working)
            chooser.before_step()
            start = clock()
            try:
                item = next(source)
            except StopIteration:
                return
            chooser.after_step(clock() - start, 1)
            working = torch.get_num_threads()
        yield item
