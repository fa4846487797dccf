"""rnnkit.sampling.warn_greedy: a nucleus just under 1 and a seed of 0 given at temperature 0 are said to go unused
(mutation audit round 19)."""

from __future__ import annotations

import pytest

from rnnkit.sampling import warn_greedy

SAID = r"^--temperature 0 writes the most likely token each time \(greedy\): "


def test_a_nucleus_just_under_1_is_said_to_go_unused() -> None:
    with pytest.warns(UserWarning, match=SAID + r"--top-p 0\.95 is not used$"):
        warn_greedy(0.0, None, 0.95, None)


def test_a_seed_of_0_is_a_seed_given() -> None:
    with pytest.warns(UserWarning, match=SAID + r"--seed 0 is not used$"):
        warn_greedy(0.0, None, 1.0, 0)
