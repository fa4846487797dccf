"""Mutation round 40: walk50's cell attributes: a Clockwork cell's nonlinearity is its own, not its torch mode's."""

from __future__ import annotations

from rnnkit.cells import make_cell_module


def test_a_relu_clockwork_cell_says_relu() -> None:
    assert make_cell_module("clockwork", 3, 4, nonlinearity="relu").nonlinearity == "relu"
    assert make_cell_module("clockwork", 3, 4).nonlinearity == "tanh"
