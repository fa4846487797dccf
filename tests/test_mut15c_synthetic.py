"""Mutation audit round 15: the synthetic long-memory tasks (``rnnkit.data.synthetic``)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.data.synthetic import adding_problem, clockwork_waveform, copy_task
from rnnkit.errors import SettingError, UserError


def test_no_sequences_of_the_adding_problem_are_refused() -> None:
    with pytest.raises(UserError, match="adding problem: need at least one sequence, got 0"):
        adding_problem(0, 5)
    x, y = adding_problem(1, 2)
    assert x.shape == (1, 2, 2) and y.shape == (1,)


def test_a_copy_task_without_a_delay_is_refused_under_the_experiments_flag() -> None:
    """The go marker of a delay of 0 would overwrite the last symbol to copy; the experiment's --length is the delay."""
    with pytest.raises(SettingError) as refused:
        copy_task(2, delay=0)
    assert refused.value.as_flag() == "--length 0: the copy task needs a delay of at least 1 step"
    x, _ = copy_task(2, delay=1, seq_len=3, num_symbols=4)
    assert x[:, 3].tolist() == [5, 5] and bool((x[:, :3] >= 1).all())


@pytest.mark.parametrize("kwargs", [{"seq_len": 0}, {"num_symbols": 0}])
def test_a_copy_task_of_no_symbols_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(UserError, match="copy task: seq_len and num_symbols must be at least 1"):
        copy_task(2, 3, **kwargs)


def test_a_seeded_generator_is_drawn_from_not_started_again() -> None:
    g = torch.Generator()
    g.manual_seed(3)
    first, second = adding_problem(4, 6, seed=g), adding_problem(4, 6, seed=g)
    assert not torch.equal(first[0], second[0])
    assert torch.equal(first[0], adding_problem(4, 6, seed=3)[0])


def test_the_waveform_needs_8_samples_and_takes_any_length_above() -> None:
    with pytest.raises(SettingError, match="length 7: the clockwork waveform needs at least 8 samples"):
        clockwork_waveform(7)
    for length in (8, 50, 79, 81, 333):  # lengths that are no multiple of the 40-sample bars
        assert clockwork_waveform(length).shape == (length,)


@pytest.mark.parametrize("seed", range(6))
def test_the_waveform_is_centred_and_scaled_to_one(seed: int) -> None:
    w = clockwork_waveform(120, seed=seed)
    assert abs(float(w.mean())) < 1e-6
    assert float(w.abs().max()) == pytest.approx(1.0) and float(w.min()) >= -1.0 - 1e-6
