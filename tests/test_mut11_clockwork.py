"""Gaps a mutation audit of :mod:`rnnkit.cells.clockwork` found (round 11), judged by Koutnik et al. (2014)'s rule
worked by hand: at step t a module of period T updates when T divides t, and keeps its state exactly otherwise."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells import make_cell, make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("periods", [[1, 3, 2**31], [1, 2, 2**31]])
def test_a_long_period_follows_its_own_clock_when_the_clock_is_a_tensor(periods: list[int]) -> None:
    """At t = 2**30 a module of period 2**31 does not update (2**31 does not divide 2**30), on the step of an int
    clock and on that of a 0-d tensor (a traced clock, read against the periods as int64); the period-1 module
    does, and the period-3 one does not (2**30 = 1 mod 3), the period-2 one does."""
    torch.manual_seed(0)
    module = make_cell_module("clockwork", 2, 6, periods=periods)  # three modules of two units
    x, h = torch.randn(3, 2), torch.randn(3, 6)
    t = 2**30
    by_int, by_tensor = module(x, h, t=t), module(x, h, t=torch.tensor(t))
    for new in (by_int, by_tensor):
        assert (new[:, :2] != h[:, :2]).all()
        assert torch.equal(new[:, 2:4] != h[:, 2:4], torch.full((3, 2), periods[1] == 2))
        assert torch.equal(new[:, 4:], h[:, 4:])
    torch.testing.assert_close(by_tensor, by_int)


@pytest.mark.parametrize(("options", "message"), [
    ({"num_modules": 3, "periods": [1, 2]}, r"^clockwork: num_modules=3 but 2 periods were given$"),
    ({"periods": [0, 1]}, r"^clockwork: periods must be positive integers, got \[0, 1\]$"),
    ({"periods": []}, r"^clockwork: periods must be positive integers, got \[\]$"),
    ({"nonlinearity": "sigmoid"}, r"^clockwork: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'$"),
])
def test_options_it_cannot_run_are_refused_by_name(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_cell("clockwork", 8, **options)


def test_num_modules_alone_gives_that_many_doubling_periods() -> None:
    cell = make_cell("clockwork", 8, num_modules=3)
    assert cell.periods == [1, 2, 4] and cell.sizes == [3, 3, 2]


def test_each_module_reads_itself_and_the_slower_modules_only() -> None:
    """The mask of W_hh worked by hand for modules of 2, 2 and 1 units (periods 1, 2, 4): block upper-triangular with
    the diagonal blocks in (a module reads its own previous state), so the fastest module's update depends on its own
    state and the slowest one's on nothing but its own."""
    cell = make_cell("clockwork", 5, periods=[1, 2, 4])
    want = torch.tensor([[1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 1],
                         [0, 0, 1, 1, 1],
                         [0, 0, 1, 1, 1],
                         [0, 0, 0, 0, 1]], dtype=torch.float32)
    assert torch.equal(cell.connectivity(), want)
    assert torch.equal(cell.connectivity(torch.float64), want.double())


class _FromStepThree(torch.nn.Module):
    """``rnn(x, time_offset=3)``: a clock that is a Python int, so that a trace records it as a constant."""

    def __init__(self, rnn: Recurrent) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rnn(x, time_offset=3)[0]


def test_a_trace_keeps_an_int_clock_and_the_relu() -> None:
    """``torch.jit.trace`` of a ReLU Clockwork RNN (its hand-written BPTT recorded as one operator) started at step 3
    computes what the layer computes, at the traced length and at another."""
    torch.manual_seed(6)
    model = _FromStepThree(Recurrent("clockwork", 3, 6, periods=[1, 2, 4], nonlinearity="relu")).eval()
    traced = torch.jit.trace(model, (torch.randn(5, 2, 3),), check_trace=False)
    for steps in (5, 7):
        x = torch.randn(steps, 2, 3)
        torch.testing.assert_close(traced(x), model(x))


def test_without_a_bias_the_fast_loop_adds_none() -> None:
    """``bias=False``: the hand-written BPTT equals the step loop (which adds no bias) and torch's plain formula."""
    torch.manual_seed(7)
    fast = Recurrent("clockwork", 3, 4, periods=[1, 2], bias=False)
    loop = Recurrent("clockwork", 3, 4, periods=[1, 2], bias=False, impl="reference")
    loop.load_state_dict(fast.state_dict())
    x = torch.randn(3, 2, 3)
    out, _ = fast(x)
    torch.testing.assert_close(out, loop(x)[0])
    torch.testing.assert_close(out[0], torch.tanh(x[0] @ fast.weight_ih_l0.T))  # step 0: every module, h0 = 0
