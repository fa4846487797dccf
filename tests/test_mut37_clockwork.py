"""Mutation round 37: the Clockwork RNN's periods past 2**62 under ``torch.jit.trace``.

The traced operator reads the periods as int64, capped at 2**62, so two periods past it arrive as one period
twice; the cell rebuilt for the operator keeps them distinct, or the trace of a layer that builds and runs
eagerly was refused as "periods given twice"."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit:DeprecationWarning")
def test_a_trace_with_two_periods_past_the_int64_cap_runs_as_the_layer() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 2**62, 2**63]).eval()
    x = torch.randn(5, 2, 3)
    traced = torch.jit.trace(rnn, (x,), check_trace=False)
    torch.testing.assert_close(traced(x)[0], rnn(x)[0])
