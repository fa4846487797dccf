"""Gaps a mutation audit of :mod:`rnnkit.cells.minimal` found (round 10): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells.minimal import MinGRU, MinLSTM, g, log_g
from rnnkit.scan import linear_scan

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_g_takes_the_x_plus_half_branch_at_zero() -> None:
    """The paper's g(x) = x + 0.5 for x ≥ 0: its slope at 0 is 1 (σ'(0) = ¼ is the branch below)."""
    x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(g(x).sum(), x)
    assert g(x).item() == 0.5 and slope.item() == 1.0


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_every_path_gives_the_same_gradient_where_the_candidate_input_is_zero(
        cell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zero input and zero bias put every pre-activation at exactly 0: the step loop, the parallel scan, the fused
    sequential scan and its torch fallback (RNNKIT_NATIVE=0) all take g'(0) = 1."""
    x = torch.zeros(4, 2, 3, dtype=torch.float64)
    grads = {}
    for name, options in [("loop", {"impl": "reference"}), ("parallel", {"scan": "parallel"}),
                          ("sequential", {"scan": "sequential"}), ("fallback", {"scan": "sequential"})]:
        if name == "fallback":
            monkeypatch.setenv("RNNKIT_NATIVE", "0")
        torch.manual_seed(0)
        layer = Recurrent(cell, 3, 4, **options).double()
        with torch.no_grad():
            layer.bias_ih_l0.zero_()
        layer(x)[0].sum().backward()
        grads[name] = layer.bias_ih_l0.grad
    for name in ("parallel", "sequential", "fallback"):
        torch.testing.assert_close(grads[name], grads["loop"], rtol=1e-10, atol=1e-12, msg=name)


def test_log_g_has_the_slope_of_log_sigmoid_at_minus_a_half() -> None:
    """Below 0, log g(x) = log σ(x), whose slope is 1 − σ(x) = σ(−x); at x = −½ the unused branch log(x + ½) is
    log 0, whose infinite slope must not leak through the ``where`` (it gave NaN)."""
    x = torch.tensor([-0.5, -2.0], dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(log_g(x).sum(), x)
    torch.testing.assert_close(slope, torch.sigmoid(-x.detach()), rtol=1e-12, atol=0)


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_bias_init_and_init_ih_reach_the_layers_weights(cell: str) -> None:
    """Each gate's block of weight_ih takes init_ih (the identity: an eye of 4 × 3), the bias bias_init."""
    layer = Recurrent(cell, 3, 4, bias_init=0.25, init_ih="identity")
    gates = layer.weight_ih_l0.shape[0] // 4
    assert torch.equal(layer.bias_ih_l0, torch.full_like(layer.bias_ih_l0, 0.25))
    assert torch.equal(layer.weight_ih_l0, torch.eye(4, 3).repeat(gates, 1))


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_the_bfloat16_sequential_scan_is_the_float32_scan_rounded_once(cell: str) -> None:
    """bfloat16 weights and input are converted to float32 and the state accumulated there: the result is the
    float32 layer's on the same numbers, rounded to bfloat16 at the end (accumulated in bfloat16 it drifts)."""
    torch.manual_seed(0)
    layer = Recurrent(cell, 3, 8, scan="sequential").bfloat16()
    x, h0 = torch.randn(40, 2, 3).bfloat16(), torch.randn(1, 2, 8).bfloat16()
    wide = Recurrent(cell, 3, 8, scan="sequential")
    wide.load_state_dict({k: v.float() for k, v in layer.state_dict().items()})
    with torch.no_grad():
        out, h_n = layer(x, h0)
        want, want_n = wide(x.float(), h0.float())
    assert torch.equal(out, want.bfloat16()) and torch.equal(h_n, want_n.bfloat16())


@pytest.mark.parametrize("cell", [MinGRU, MinLSTM])
def test_the_bfloat16_parallel_scan_runs_in_float32(cell: type) -> None:
    """The parallel scan of bfloat16 projections: logcumsumexp over the steps in float32, the result rounded to
    bfloat16 once (the float32 scan of the same numbers), not a scan in bfloat16."""
    torch.manual_seed(0)
    mix = cell(8, scan="parallel")
    xw = (torch.randn(60, 2, mix.gates * 8) * 2).bfloat16()
    h0 = torch.randn(2, 8).bfloat16()
    out, final = mix.sequence(xw, h0, None, None, None, 0)
    want = linear_scan(*mix.log_coefficients(xw.float()), h0.float())
    assert out.dtype == torch.bfloat16 and torch.equal(out, want.bfloat16()) and torch.equal(final, out[-1])


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_the_input_weights_default_to_xavier_uniform_as_every_cells(cell: str) -> None:
    layer = Recurrent(cell, 2, 3)
    assert layer.cell_def.init_ih == Recurrent("gru", 2, 3).cell_def.init_ih == "xavier_uniform"
    assert layer.config()["init_ih"] == "xavier_uniform"
