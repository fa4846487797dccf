"""rnnkit.train.threads: the candidate counts on more cores than a test machine has, threads_kept, and how a choice is
made: per item, by the median of two rounds after the warmup, measured again when due, said once (gaps test_threads
left open)."""

from __future__ import annotations

import torch

from rnnkit.train.threads import ThreadChooser, candidate_counts, threads_kept


def test_half_of_the_count_is_a_candidate_from_4_cores() -> None:
    assert [candidate_counts(n) for n in (1, 2, 3, 4, 5, 8)] == [[1], [1, 2], [1, 3], [1, 2, 4], [1, 2, 5],
                                                                 [1, 4, 8]]


def test_threads_kept_gives_the_count_back() -> None:
    before = torch.get_num_threads()
    with threads_kept() as kept:
        torch.set_num_threads(1 if before > 1 else 2)
    assert kept == before and torch.get_num_threads() == before


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _steps(chooser: ThreadChooser, timings: list[tuple[float, int]] | None = None, n: int = 0,
           per_item: dict[int, float] | None = None) -> list[str]:
    """Updates of the given (seconds, items), or ``n`` of ``per_item[threads]`` seconds for 10 items; the lines."""
    said = []
    for seconds, items in timings or [(0.0, 10)] * n:
        chooser.before_step()
        if per_item:
            seconds = per_item[torch.get_num_threads()] * items
        note = chooser.after_step(seconds, items)
        if note:
            said.append(note)
    return said


def test_the_choice_is_per_item_by_the_median_of_two_rounds_after_the_warmup() -> None:
    with threads_kept():
        torch.set_num_threads(2)
        clock = _Clock()
        chooser = ThreadChooser(None, warmup=2, clock=clock)
        # warmup: untimed, and torch's count is left alone
        chooser.before_step()
        assert torch.get_num_threads() == 2 and _steps(chooser, [(9.0, 1), (9.0, 1)]) == []
        # plan: 1, 1, 2, 2, 1, 1, 2, 2; one thread has one fast update (its median is slow), two threads more items
        timings = [(1.0, 1), (1.0, 1), (1.5, 10), (1.5, 10), (0.01, 1), (1.0, 1), (1.5, 10)]
        assert _steps(chooser, timings) == [] and chooser.chosen is None
        said = _steps(chooser, [(1.5, 10)])
        assert chooser.chosen == 2 and said == [
            "threads: 2 of 2 (per item with 1: 1000000.00 µs, 2: 150000.00 µs); measured again every 3 min; "
            "--threads N fixes it"]
        clock.now = 180.0  # measured again on the minute it is due; the same count says nothing
        assert _steps(chooser, n=8, per_item={1: 0.5, 2: 0.1}) == [] and chooser._next_check == 360.0
        chooser.close()


def test_the_line_names_torchs_count_of_more_than_two_candidates() -> None:
    with threads_kept():
        torch.set_num_threads(4)
        chooser = ThreadChooser(None, steps_each=1, rounds=1)
        said = _steps(chooser, n=4, per_item={1: 0.3, 2: 0.1, 4: 0.2})
        assert said[0].startswith("threads: 2 of 4 (per item with 1: ") and torch.get_num_threads() == 2
        chooser.close()
        assert torch.get_num_threads() == 4
