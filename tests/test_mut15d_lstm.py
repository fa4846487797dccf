"""Gaps a mutation audit of :mod:`rnnkit.cells.lstm` found (round 15): the chrono initialisation zeroes the
input and forget blocks of the second bias vector whatever ``bias_init`` gave them."""

from __future__ import annotations

import torch

from rnnkit.recurrent import Recurrent


def test_chrono_zeroes_the_second_bias_vectors_gate_blocks_over_a_bias_init() -> None:
    h = 4
    rnn = Recurrent("lstm", 3, h, chrono=8, bias_init=0.5)
    b_ih, b_hh = rnn.bias_ih_l0, rnn.bias_hh_l0
    assert torch.equal(b_hh[: 2 * h], torch.zeros(2 * h)) and torch.equal(b_hh[2 * h :], torch.full((2 * h,), 0.5))
    assert torch.equal(b_ih[:h], -b_ih[h : 2 * h]) and torch.equal(b_ih[2 * h :], torch.full((2 * h,), 0.5))
