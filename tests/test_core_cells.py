"""Clockwork RNN, IRNN preset, LSTM forget bias, initialisers."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from copy import deepcopy
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import Tensor

from rnnkit import Recurrent
from rnnkit.cells import CELLS, CellModule, Clockwork, make_cell, make_cell_module
from rnnkit.init import initialize_, parse_scheme

# -- Clockwork ------------------------------------------------------------------------------------


def test_clockwork_gradcheck_float64() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 2, 6, periods=[1, 2, 4], bidirectional=True).double()
    x = torch.randn(7, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, 6, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([7, 5])
    names = [n for n, _ in rnn.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in rnn.parameters()]

    def f(x, h0, *ps):
        return torch.func.functional_call(rnn, dict(zip(names, ps, strict=True)), (x, h0), {"lengths": lengths})

    assert torch.autograd.gradcheck(f, (x, h0, *params))


def test_clockwork_gradcheck_general_periods() -> None:
    # periods 1, 3, 5: active modules are not a prefix, so the masked full step is used
    torch.manual_seed(1)
    rnn = Recurrent("clockwork", 2, 6, periods=[1, 3, 5]).double()
    assert not rnn.cell_def.prefix
    x = torch.randn(8, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: rnn(x)[0], (x,))


@pytest.mark.parametrize("periods", [[1, 2, 4, 8], [1, 3, 5]])
def test_inactive_modules_keep_their_state_exactly(periods: list[int]) -> None:
    torch.manual_seed(2)
    hidden = 2 * len(periods) + 1
    rnn = Recurrent("clockwork", 3, hidden, periods=periods)
    cell: Clockwork = rnn.cell_def
    x = torch.randn(17, 4, 3)
    h0 = torch.randn(1, 4, hidden)
    out, _ = rnn(x, h0)
    prev = h0[0]
    for t in range(x.shape[0]):
        for i, p in enumerate(periods):
            sl = slice(cell.starts[i], cell.starts[i] + cell.sizes[i])
            if t % p:
                assert torch.equal(out[t][:, sl], prev[:, sl]), (t, i)
            else:
                assert not torch.equal(out[t][:, sl], prev[:, sl]), (t, i)
        prev = out[t]


def test_a_module_never_reads_from_a_faster_one() -> None:
    torch.manual_seed(3)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 4, 8])
    cell: Clockwork = rnn.cell_def
    # perturb the state of the fastest module: no slower module's next update may change
    x = torch.randn(1, 1, 3)
    h0 = torch.randn(1, 1, 8)
    h1 = h0.clone()
    h1[..., cell.starts[0] : cell.starts[0] + cell.sizes[0]] += 1.0
    a, _ = rnn(x, h0)
    b, _ = rnn(x, h1)
    slow = slice(cell.starts[1], 8)
    torch.testing.assert_close(a[0, :, slow], b[0, :, slow], rtol=0, atol=0)
    # the stored weight is block upper-triangular, and the step ignores anything put below it
    w = rnn.weight_hh_l0.detach()
    m = cell.connectivity()
    assert torch.all(w[m == 0] == 0)
    with torch.no_grad():
        rnn.weight_hh_l0[m == 0] = 5.0
    c, _ = rnn(x, h1)
    torch.testing.assert_close(b, c, rtol=0, atol=0)
    # and the gradient of a masked entry is zero
    rnn(torch.randn(5, 2, 3))[0].sum().backward()
    assert torch.all(rnn.weight_hh_l0.grad[m == 0] == 0)


@pytest.mark.parametrize("name", list(CELLS))
def test_what_a_cell_reads_of_w_hh_is_what_the_sizes_and_the_radius_count(name: str) -> None:
    """``Cell.connectivity``: None where the step reads every entry of W_hh, the Clockwork RNN's mask where it reads
    part. ``effective_parameters`` leaves out only the entries masked out, ``hidden_for_params`` chooses the largest
    size whose built model has at most the target of them, and diagnose's radius is that of the W_hh the step reads
    (the entries masked out set to 5 change nothing)."""
    from rnnkit.diagnostics import spectral_radius
    from rnnkit.models.sequence import SequenceModel, effective_parameters, hidden_for_params
    from rnnkit.tasks.diagnose import _radius

    torch.manual_seed(0)
    model = SequenceModel(name, 2, 8, 1, False)
    mask = model.rnn.cell_def.connectivity()
    assert (mask is None) == (name != "clockwork")
    unread = 0 if mask is None else int((mask == 0).sum())
    assert unread > 0 or mask is None
    assert effective_parameters(model) == sum(p.numel() for p in model.parameters()) - unread
    hidden = hidden_for_params(name, 3000, 2, 1, {}, every_step=False)
    sizes = [effective_parameters(SequenceModel(name, 2, h, 1, False)) for h in (hidden, hidden + 1)]
    assert sizes[0] <= 3000 < sizes[1]
    weight = model.rnn.layer_weights(0)[1]
    if weight is None:
        assert _radius(model, name)["radius"] == 0.0
        return
    if mask is not None:
        with torch.no_grad():
            weight[mask == 0] = 5.0
    read = model.rnn.cell_def.prepare(weight)
    every = torch.ones_like(weight)  # every entry read: the radius of all of W_hh
    assert _radius(model, name)["radius"] == pytest.approx(spectral_radius(read, name, mask=every)["radius"])
    assert mask is None or _radius(model, name)["radius"] != pytest.approx(
        spectral_radius(weight, name, mask=every)["radius"])


def test_clockwork_under_bf16_autocast_matches_fp32() -> None:
    """The hand-written BPTT runs in fp32 under autocast; only the input projection is in bf16."""
    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 4, 8])
    x = torch.randn(4, 20, 3)
    out32, _ = rnn(x.transpose(0, 1))
    g32 = torch.autograd.grad(out32.sum(), list(rnn.parameters()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out16, _ = rnn(x.transpose(0, 1))
    g16 = torch.autograd.grad(out16.float().sum(), list(rnn.parameters()))
    assert torch.allclose(out16.float(), out32, atol=0.05)
    for a, b in zip(g16, g32, strict=True):
        assert a.dtype == b.dtype == torch.float32
        assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99


def test_probe_of_the_bf16_lstm_kernel_agrees_with_torch_nn() -> None:
    """The probe says the CPU lacks a bf16 LSTM kernel exactly where torch.nn.LSTM fails under autocast."""
    from rnnkit.recurrent import _cpu_lstm_kernel_takes

    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            torch.nn.LSTM(2, 4)(torch.randn(3, 2, 2))
        torch_runs = True
    except RuntimeError:
        torch_runs = False
    assert _cpu_lstm_kernel_takes(torch.bfloat16) is torch_runs


@pytest.mark.parametrize("kernel", ["this cpu's", "none"])
def test_lstm_trains_under_bf16_autocast_on_any_cpu(kernel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where oneDNN has no bf16 LSTM kernel (CPUs without AVX512, where torch.nn.LSTM fails under autocast)
    the fused LSTM runs in fp32 inside the autocast region: the same output and gradients as fp32."""
    import rnnkit.recurrent as recurrent

    if kernel == "none":
        monkeypatch.setattr(recurrent, "_cpu_lstm_kernel_takes", lambda dtype: False)
    torch.manual_seed(0)
    rnn = Recurrent("lstm", 3, 8, num_layers=2, dropout=0.0, weight_drop=0.0)
    x = torch.randn(20, 4, 3)
    out32, _ = rnn(x)
    g32 = torch.autograd.grad(out32.sum(), list(rnn.parameters()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out16, (h, c) = rnn(x)
    g16 = torch.autograd.grad(out16.float().sum(), list(rnn.parameters()))
    lengths = torch.tensor([20, 7, 13, 1])          # the packed path (a classifier's texts of their own lengths)
    packed32, _ = rnn(x.bfloat16().float(), lengths=lengths)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        packed16, _ = rnn(x.bfloat16(), lengths=lengths)   # bf16 input, as from a layer before it under autocast
    if kernel == "none" or not recurrent._cpu_lstm_kernel_takes(torch.bfloat16):
        assert out16.dtype == h.dtype == c.dtype == packed16.dtype == torch.float32
        assert torch.equal(out16, out32) and torch.equal(packed16, packed32)
        assert all(torch.equal(a, b) for a, b in zip(g16, g32, strict=True))
    else:
        assert torch.allclose(out16.float(), out32, atol=0.05)
        assert torch.allclose(packed16.float(), packed32, atol=0.05)


def test_clockwork_cost_falls_with_active_modules() -> None:
    cell = make_cell("clockwork", 64, periods=[1, 2, 4, 8])
    assert [cell.active_units(t) for t in range(8)] == [64, 16, 32, 16, 48, 16, 32, 16]


def test_a_clockwork_cell_module_updates_the_modules_its_step_t_says() -> None:
    """Koutnik et al. (2014): at step t only the modules whose period divides t update; the cell module (one step,
    like torch.nn.RNNCell) reads t from its call, so the others keep their state exactly."""
    torch.manual_seed(0)
    cell = make_cell_module("clockwork", 3, 8, periods=[1, 2, 4, 8])  # four modules of two units
    x, h = torch.randn(5, 3), torch.randn(5, 8)
    for t, updated in [(0, 8), (1, 2), (2, 4), (4, 6), (6, 4), (8, 8)]:
        new = cell(x, h, t=t)
        assert torch.equal(new[:, updated:], h[:, updated:]), t
        assert (new[:, :updated] != h[:, :updated]).all(), t


def test_clockwork_time_offset_continues_the_clock() -> None:
    torch.manual_seed(4)
    rnn = Recurrent("clockwork", 2, 8, periods=[1, 2, 4, 8])
    x = torch.randn(12, 3, 2)
    whole, h_whole = rnn(x)
    first, h = rnn(x[:5])
    second, h = rnn(x[5:], h, time_offset=5)
    torch.testing.assert_close(torch.cat([first, second]), whole)
    torch.testing.assert_close(h, h_whole)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "mingru", "clockwork"])
@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize(("value", "shown"), [("3", "'3'"), (2.5, "2.5"), (True, "True"),
                                              (torch.tensor(3.0), "a torch.float32 tensor of shape ()"),
                                              (torch.tensor([1, 2]), "a torch.int64 tensor of shape (2,)")])
def test_a_clock_that_is_no_integer_is_refused_on_every_path(cell: str, impl: str, value: object, shown: str) -> None:
    """``time_offset="3"`` ran on torch's kernels and the scans, which ignore it, and failed in the step loop
    with "unsupported operand type(s) for +"; 2.5 froze a Clockwork RNN's state (no step was a multiple of a
    period), a tensor of two clocks was a broadcasting error. ``step``'s ``t`` is the same clock."""
    rnn = Recurrent(cell, 3, 4, impl=impl)
    said = f"^{cell}: {{}} takes an integer \\(an int or a 0-d integer tensor\\), not {re.escape(shown)}$"
    with pytest.raises(TypeError, match=said.format("time_offset")):
        rnn(torch.randn(5, 2, 3), time_offset=value)
    with pytest.raises(TypeError, match=said.format("step\\(\\)'s t")):
        rnn.step(torch.randn(2, 3), t=value)


@pytest.mark.parametrize("periods", [[1, 2, 4], [1, 2, 3]])  # the hand-written BPTT; the step loop
def test_a_clock_before_zero_or_in_a_tensor_runs_the_same_on_every_path(periods: list[int]) -> None:
    """A negative offset (the clock read modulo each period, as Python reads -3 % 2) and a 0-d integer tensor
    (a traced clock), by ``forward`` on both paths and by ``step``, give the same numbers; so does a numpy int."""
    torch.manual_seed(5)
    rnn = Recurrent("clockwork", 3, 6, periods=periods)
    loop = Recurrent("clockwork", 3, 6, periods=periods, impl="reference")
    loop.load_state_dict(rnn.state_dict())
    x = torch.randn(7, 2, 3)
    for offset in (-3, 5):
        want, _ = rnn(x, time_offset=offset)
        for module in (rnn, loop):
            for clock in (torch.tensor(offset), np.int64(offset)):
                torch.testing.assert_close(module(x, time_offset=clock)[0], want)
        h, steps = None, []
        for t in range(7):
            y, h = loop.step(x[t], h, t + offset)
            steps.append(y)
        torch.testing.assert_close(torch.stack(steps), want)


class _WithKeyword(torch.nn.Module):
    """``rnn(x, h, **{keyword: value})`` with the value a positional input, so that a trace takes it as one."""

    def __init__(self, rnn: Recurrent, keyword: str) -> None:
        super().__init__()
        self.rnn, self.keyword = rnn, keyword

    def forward(self, x: torch.Tensor, h: torch.Tensor, value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rnn(x, h, **{self.keyword: value})


@pytest.mark.parametrize("zoneout", [0.0, 0.2])
def test_clockwork_traced_at_one_length_runs_every_length(zoneout: float) -> None:
    """``torch.jit.trace`` records the Clockwork RNN's own BPTT as one call: its clock schedule was computed
    before the call and recorded with it, so the graph traced at 5 steps returned uninitialised memory (values
    near 1e30) at 7 and failed at 3. It now equals the eager layer, gradients too, at any length, unwarned."""
    torch.manual_seed(12)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 4], num_layers=2, bidirectional=True, zoneout=zoneout).eval()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(_WithKeyword(rnn, "lengths"), (torch.randn(5, 2, 3), torch.zeros(4, 2, 8),
                                                     torch.tensor([5, 4])), check_trace=False)
    for steps in (7, 3, 5):
        x = torch.randn(steps, 3, 3, requires_grad=True)
        h0 = torch.randn(4, 3, 8)
        lengths = torch.tensor([steps, 2, 1])
        got, want = traced(x, h0, lengths), rnn(x, h0, lengths=lengths)
        torch.testing.assert_close(got, want, rtol=0, atol=0)
        grads = [torch.autograd.grad(out[0].sum() + out[1].sum(), [x, rnn.weight_hh_l0]) for out in (got, want)]
        torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=0)
    assert not [str(w.message) for w in caught if "step loop" in str(w.message)]


def test_clockwork_traced_step_loop_warns_and_refuses_another_length() -> None:
    """Periods that do not divide each other run the step loop, traced unrolled: a TracerWarning, and an error
    (never an answer) at another length."""
    torch.manual_seed(13)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 3]).eval()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(rnn, (torch.randn(5, 2, 3),), check_trace=False)
    assert [w for w in caught if "step loop" in str(w.message) and "5 steps" in str(w.message)]
    torch.testing.assert_close(traced(x := torch.randn(5, 2, 3)), rnn(x))
    with pytest.raises(RuntimeError, match="Expected 5 elements in a list but found 7"):
        traced(torch.randn(7, 2, 3))


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit:DeprecationWarning")
@pytest.mark.parametrize("options", [{"periods": [1, 2, 3]}, {"periods": [1, 2, 3], "zoneout": 0.2},
                                     {"periods": [1, 2, 4], "impl": "reference"}, {"periods": [1, 2, 4]}])
def test_clockwork_traced_with_its_clock_as_an_input_follows_it(options: dict, tmp_path: Path) -> None:
    """A trace whose ``time_offset`` is an input (a tensor: a trace takes no other) reads a stream in windows
    that continue the clock. On the step loop (periods that do not divide each other, ``impl="reference"``)
    the step read its clock as a Python number, so the trace kept the offset it was traced with and silently
    computed every window as if it began at that step; the step now computes which units update from the
    tensor. The saved and loaded trace follows it too."""
    torch.manual_seed(14)
    rnn = Recurrent("clockwork", 3, 6, **options).eval()
    traced = torch.jit.trace(_WithKeyword(rnn, "time_offset"),
                             (torch.randn(3, 2, 3), torch.zeros(1, 2, 6), torch.tensor(0)), check_trace=False)
    torch.jit.save(traced, tmp_path / "trace.pt")
    loaded = torch.jit.load(tmp_path / "trace.pt")
    x = torch.randn(12, 2, 3)
    whole, h_whole = rnn(x)
    for module in (traced, loaded):
        h, outs = torch.zeros(1, 2, 6), []
        for start in (0, 3, 6, 9):  # windows of 3 steps: no window begins its clock as the first one does
            out, h = module(x[start : start + 3], h, torch.tensor(start))
            outs.append(out)
        torch.testing.assert_close(torch.cat(outs), whole)
        torch.testing.assert_close(h, h_whole)


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit:DeprecationWarning")
@pytest.mark.parametrize("options", [{"periods": [1, 2, 4]}, {"periods": [1, 2, 4], "zoneout": 0.2},
                                     {"periods": [1, 2, 3]}])
def test_clockwork_traces_with_torch_checks_in_a_dtype_it_was_not_built_in(options: dict) -> None:
    """``torch.jit.trace`` with its default check (it traces twice and compares the graphs) of a layer moved to
    another dtype or device than it was built in (float64 here; a GPU): the first trace cached the connectivity
    mask it computed, the check's found it cached, and the trace failed (``TracingCheckError: Graphs differed
    across invocations``)."""
    torch.manual_seed(3)
    rnn = Recurrent("clockwork", 3, 6, num_layers=2, **options).double().eval()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    traced = torch.jit.trace(rnn, (x,))
    torch.testing.assert_close(traced(x), rnn(x))


def test_clockwork_options_are_checked() -> None:
    with pytest.raises(ValueError, match="ascending"):
        make_cell("clockwork", 8, periods=[4, 1])
    with pytest.raises(ValueError, match="do not fit"):
        make_cell("clockwork", 2, periods=[1, 2, 4])
    assert make_cell("clockwork", 32).periods == [1, 2, 4, 8, 16, 32, 64, 128]


# -- IRNN, LSTM forget bias ----------------------------------------------------------------------


def test_irnn_preset() -> None:
    torch.manual_seed(5)
    rnn = Recurrent("irnn", 50, 200, num_layers=2)
    for layer in range(2):
        w_ih, w_hh, b_ih, b_hh = rnn.layer_weights(layer)
        assert torch.equal(w_hh, torch.eye(200))
        assert torch.all(b_ih == 0) and torch.all(b_hh == 0)
    std = rnn.weight_ih_l0.std().item()
    assert abs(std - 0.001) < 0.0001
    scaled = Recurrent("irnn", 3, 4, identity_scale=0.5)
    assert torch.equal(scaled.weight_hh_l0, 0.5 * torch.eye(4))
    assert scaled.cell_def.fused_kernel == "rnn_relu"  # the same math as rnn_relu: a preset, not a new path


def test_lstm_forget_bias() -> None:
    rnn = Recurrent("lstm", 3, 5, forget_bias=2.0)
    total = rnn.bias_ih_l0 + rnn.bias_hh_l0
    torch.testing.assert_close(total[5:10], torch.full((5,), 2.0))
    assert torch.all(total[:5] == 0) and torch.all(total[10:] == 0)
    assert torch.all(Recurrent("lstm", 3, 5).bias_ih_l0[5:10] + Recurrent("lstm", 3, 5).bias_hh_l0[5:10] == 1.0)



def test_lstm_chrono_init() -> None:
    """Tallec & Ollivier (2018): b_f = log(u), u ~ U(1, T-1); b_i = -b_f; the other gates untouched."""
    torch.manual_seed(0)
    h, t_max = 600, 100
    rnn = Recurrent("lstm", 3, h, num_layers=2, bidirectional=True, chrono=t_max)
    for suffix in ("_l0", "_l0_reverse", "_l1", "_l1_reverse"):
        total = getattr(rnn, "bias_ih" + suffix) + getattr(rnn, "bias_hh" + suffix)
        forget = total[h : 2 * h]
        assert forget.min() >= 0.0 and forget.max() <= math.log(t_max - 1) + 1e-6
        # exp(b_f) is uniform on (1, T-1): its mean is T/2 and a quarter of it lies below 1 + (T-2)/4
        u = forget.exp()
        assert abs(u.mean().item() - t_max / 2) < 4.0  # 3.5 standard errors of the mean of 600 draws
        assert abs((u < 1 + (t_max - 2) / 4).float().mean().item() - 0.25) < 0.06
        torch.testing.assert_close(total[:h], -forget)
        assert torch.all(total[2 * h :] == 0)
    rebuilt = Recurrent(**rnn.config())
    assert rebuilt.config()["chrono"] == t_max
    with pytest.raises(ValueError, match="chrono"):
        Recurrent("lstm", 3, 4, chrono=2)

# -- initialisers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme,fan_in,fan_out,variance",
    [
        ("xavier_uniform", 300, 200, 2 / (300 + 200)),
        ("xavier_normal", 300, 200, 2 / (300 + 200)),
        ("he_uniform", 300, 200, 2 / 300),
        ("he_normal", 300, 200, 2 / 300),
        ("gaussian(std=0.05)", 300, 200, 0.05**2),
    ],
)
def test_initialiser_variance(scheme: str, fan_in: int, fan_out: int, variance: float) -> None:
    torch.manual_seed(6)
    w = initialize_(torch.empty(fan_out, fan_in, dtype=torch.float64), scheme)
    n = w.numel()
    # the sample variance of n draws has relative standard error about sqrt(2/n) (less for uniform)
    assert abs(w.var().item() / variance - 1) < 5 * math.sqrt(2 / n)
    assert abs(w.mean().item()) < 5 * math.sqrt(variance / n)


def test_orthogonal_and_identity() -> None:
    torch.manual_seed(7)
    for shape in [(6, 6), (4, 9), (9, 4)]:
        w = initialize_(torch.empty(shape, dtype=torch.float64), "orthogonal")
        s = torch.linalg.svdvals(w)
        torch.testing.assert_close(s, torch.ones_like(s))
    w = initialize_(torch.empty(5, 5), "identity(scale=0.7)")
    torch.testing.assert_close(w, 0.7 * torch.eye(5))


@pytest.mark.parametrize(("scheme", "reference"), [
    ("xavier_uniform", torch.nn.init.xavier_uniform_), ("xavier_normal", torch.nn.init.xavier_normal_),
    ("he_uniform", partial(torch.nn.init.kaiming_uniform_, nonlinearity="relu")),
    ("he_normal", partial(torch.nn.init.kaiming_normal_, nonlinearity="relu"))])
def test_the_named_initialisers_draw_what_torch_nn_init_draws(scheme: str, reference: Callable[..., Tensor]) -> None:
    """The same generator, the same draws: bounds and variances exactly torch.nn.init's (a fan off by one, a
    variance 0.3% off, hides inside the sampled-variance test above)."""
    for shape in [(7, 3), (3, 7)]:
        ours = initialize_(torch.empty(shape), scheme, generator=torch.Generator().manual_seed(5))
        torch.testing.assert_close(ours, reference(torch.empty(shape), generator=torch.Generator().manual_seed(5)))


def test_orthogonal_is_uniform_over_the_group_not_signed_by_the_qr() -> None:
    """Without the sign correction of R's diagonal, a Householder QR gives Q[0, 0] <= 0 every time: the first
    column always points away from the first axis (torch.nn.init.orthogonal_ corrects it as well)."""
    g = torch.Generator().manual_seed(3)
    first = [float(initialize_(torch.empty(4, 4, dtype=torch.float64), "orthogonal", generator=g)[0, 0])
             for _ in range(64)]
    reference = [float(torch.nn.init.orthogonal_(torch.empty(4, 4), generator=g)[0, 0]) for _ in range(64)]
    assert 16 <= sum(x > 0 for x in first) <= 48 and 16 <= sum(x > 0 for x in reference) <= 48


def test_identity_of_a_rectangle_and_a_gaussian_mean_are_torch_nn_inits() -> None:
    for shape in [(3, 5), (5, 3)]:
        torch.testing.assert_close(initialize_(torch.empty(shape), "identity(scale=0.5)"),
                                   0.5 * torch.nn.init.eye_(torch.empty(shape)))
    torch.manual_seed(4)
    w = initialize_(torch.empty(200, 100, dtype=torch.float64), "gaussian(mean=0.5, std=0.01)")
    assert abs(w.mean().item() - 0.5) < 0.001 and abs(w.std().item() - 0.01) < 0.001


def test_keyword_arguments_override_those_in_the_name() -> None:
    """The docstring: 'keyword arguments given here override them'."""
    torch.testing.assert_close(initialize_(torch.empty(3, 3), "identity(scale=0.5)", scale=2.0), 2 * torch.eye(3))


@pytest.mark.parametrize("scheme", ["zeros", "zero", "identity(scale=0)", "gaussian(std=0)"])
def test_zero_init_is_refused(scheme: str) -> None:
    with pytest.raises(ValueError, match="symmetry"):
        initialize_(torch.empty(3, 3), scheme)
    with pytest.raises(ValueError, match="symmetry"):
        Recurrent("rnn_tanh", 3, 3, init_hh=scheme)


def test_callable_init_that_gives_zeros_is_refused() -> None:
    with pytest.raises(ValueError, match="symmetry"):
        initialize_(torch.empty(3, 3), lambda w: w.zero_())


def test_scheme_parsing_and_errors() -> None:
    assert parse_scheme("gaussian(std=0.001)") == ("gaussian", {"std": 0.001})
    assert parse_scheme("He-Normal") == ("he_normal", {})
    with pytest.raises(ValueError, match="unknown initialiser"):
        initialize_(torch.empty(2, 2), "lecun")
    with pytest.raises(ValueError, match="cannot read"):
        initialize_(torch.empty(2, 2), "gaussian(std)")


def test_biases_may_start_at_zero_and_cells_use_named_inits() -> None:
    cell = make_cell_module("gru", 4, 3, init_ih="he_normal", init_hh="xavier_uniform", bias_init=0.0)
    assert torch.all(cell.bias_ih == 0)
    assert cell.weight_hh.abs().max() <= math.sqrt(6 / 6) + 1e-6


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_clockwork_fast_bptt_equals_step_loop(nonlinearity: str, bidirectional: bool, padded: bool) -> None:
    torch.manual_seed(8)
    kw = dict(periods=[1, 2, 4, 8], bidirectional=bidirectional, nonlinearity=nonlinearity, num_layers=2)
    fast = Recurrent("clockwork", 4, 10, **kw).double()
    loop = Recurrent("clockwork", 4, 10, impl="reference", **kw).double()
    loop.load_state_dict(fast.state_dict())
    x = torch.randn(11, 3, 4, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(4 if bidirectional else 2, 3, 10, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([11, 2, 7]) if padded else None
    out_f, h_f = fast(x, h0, lengths=lengths, time_offset=3)
    out_l, h_l = loop(x, h0, lengths=lengths, time_offset=3)
    torch.testing.assert_close(out_f, out_l, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h_f, h_l, rtol=1e-12, atol=1e-12)
    w1, w2 = torch.randn_like(out_f), torch.randn_like(h_f)
    g_f = torch.autograd.grad((out_f * w1).sum() + (h_f * w2).sum(), [x, h0, *fast.parameters()])
    g_l = torch.autograd.grad((out_l * w1).sum() + (h_l * w2).sum(), [x, h0, *loop.parameters()])
    for a, b in zip(g_f, g_l, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_clockwork_reference_gradcheck() -> None:
    torch.manual_seed(9)
    rnn = Recurrent("clockwork", 2, 6, periods=[1, 2, 4], impl="reference").double()
    x = torch.randn(6, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: rnn(x, lengths=torch.tensor([6, 4]))[0], (x,))


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_an_empty_batch_with_lengths_runs_as_without(cell: str, impl: str) -> None:
    """lengths of no sequences took min() of an empty tensor (and torch cannot pack none)."""
    rnn = Recurrent(cell, 3, 4, num_layers=2, bidirectional=True, impl=impl)
    out, state = rnn(torch.randn(5, 0, 3), lengths=torch.zeros(0, dtype=torch.long))
    plain, plain_state = rnn(torch.randn(5, 0, 3))
    assert out.shape == plain.shape == (5, 0, 8)
    for a, b in zip(state if isinstance(state, tuple) else (state,),
                    plain_state if isinstance(plain_state, tuple) else (plain_state,), strict=True):
        assert a.shape == b.shape == (4, 0, 4)


@pytest.mark.parametrize(("scheme", "message"), [
    ("xavier_uniform(gain=0)", "all-zero"), ("orthogonal(gain=0)", "all-zero"), ("he_normal(gain=0)", "all-zero"),
    ("gaussian(std=inf)", "std must be a finite number"), ("identity(scale=nan)", "scale must be a finite"),
    ("gaussian(mean=inf)", "mean must be a finite"), ("xavier_uniform(std=0.1)", "xavier_uniform takes gain, not std")])
def test_initialisers_refuse_a_zero_or_non_finite_start_and_unknown_arguments(scheme: str, message: str) -> None:
    """gain=0 gave all zeros, which the docs say is refused; inf and NaN gave such weights; a wrong argument
    was torch's TypeError."""
    with pytest.raises(ValueError, match=message):
        initialize_(torch.empty(4, 4), scheme)
    with pytest.raises(ValueError, match=message):
        Recurrent("lstm", 3, 4, init_hh=scheme)


def test_clockwork_with_periods_past_int64_builds_and_its_trace_follows_the_clock() -> None:
    """70 modules have the default periods 2**0 ... 2**69, past int64: building the layer failed with
    'Overflow when unpacking long long' once the periods were kept as a tensor for a traced clock. A period
    past 2**62 updates only at step 0 of such a clock, as the period itself does."""
    torch.manual_seed(15)
    rnn = Recurrent("clockwork", 2, 70, num_modules=70).eval()
    traced = torch.jit.trace(_WithKeyword(rnn, "time_offset"),
                             (torch.randn(3, 2, 2), torch.zeros(1, 2, 70), torch.tensor(0)), check_trace=False)
    for offset in (0, 5):
        x, h = torch.randn(4, 2, 2), torch.randn(1, 2, 70)
        torch.testing.assert_close(traced(x, h, torch.tensor(offset)), rnn(x, h, time_offset=offset))


SAVED_LAYERS = {"lstm": {"bias_init": 0.5, "chrono": 5, "zoneout": (0.1, 0.2)}, "gru": {"weight_drop": 0.2},
                "rnn_relu": {"recurrent_dropout": 0.1, "bias_init": 0.1}, "irnn": {"identity_scale": 0.5},
                "clockwork": {"periods": [1, 2, 3], "nonlinearity": "relu"}, "mingru": {"scan": "sequential"},
                "minlstm": {}, "rnn_tanh": {"init_ih": "orthogonal"}}


@pytest.mark.parametrize("cell", list(CELLS))
def test_a_saved_layer_loads_with_weights_only_and_its_own_class_alone(cell: str, tmp_path: Path) -> None:
    """``torch.load(path, weights_only=True)`` of a saved layer needed three safe globals where torch.nn.LSTM needs
    one: the layer, its cell's class and Regularisers (the Clockwork RNN also ``getattr``, for its activation). The
    layer pickles its cell and regularisers as their options; the state dict, a deepcopy and what the copies
    compute stay the layer's, and the options come back (zoneout a pair, the cell's own)."""
    torch.manual_seed(6)
    rnn = Recurrent(cell, 3, 6, num_layers=2, **SAVED_LAYERS[cell]).eval()
    torch.save(rnn, tmp_path / "layer.pt")
    with torch.serialization.safe_globals([Recurrent]):
        loaded = torch.load(tmp_path / "layer.pt", weights_only=True)
    x = torch.randn(5, 2, 3)
    for twin in (loaded, deepcopy(rnn)):
        assert type(twin.cell_def) is type(rnn.cell_def) and twin.reg == rnn.reg and twin.config() == rnn.config()
        assert list(twin.state_dict()) == list(rnn.state_dict())
        torch.testing.assert_close(twin(x), rnn(x), rtol=0, atol=0)


def test_a_layer_pickled_with_its_cell_object_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer saved by an older rnnkit holds its cell and regularisers as objects: it loads (weights_only=False,
    as it always needed) and computes what it did."""
    torch.manual_seed(7)
    rnn = Recurrent("clockwork", 3, 6, periods=[1, 2, 4], zoneout=0.1).eval()
    with monkeypatch.context() as older:
        older.setattr(Recurrent, "__getstate__", torch.nn.RNNBase.__getstate__)
        torch.save(rnn, tmp_path / "old.pt")
    loaded = torch.load(tmp_path / "old.pt", weights_only=False)
    x = torch.randn(5, 2, 3)
    assert loaded.reg == rnn.reg and loaded.cell_def.periods == [1, 2, 4]
    torch.testing.assert_close(loaded(x), rnn(x), rtol=0, atol=0)


@pytest.mark.parametrize("cell", list(CELLS))
def test_a_saved_cell_module_loads_with_weights_only_and_its_own_class_alone(cell: str, tmp_path: Path) -> None:
    """As a layer (above): ``make_cell_module``'s module pickled its cell object, so that ``torch.load(path,
    weights_only=True)`` needed the cell's class in ``safe_globals`` too (and ``getattr`` for the Clockwork RNN).
    It pickles the cell as its name and options; a load and a deepcopy compute what the module does."""
    torch.manual_seed(8)
    options = {k: v for k, v in SAVED_LAYERS[cell].items() if k not in ("zoneout", "weight_drop", "recurrent_dropout")}
    module = make_cell_module(cell, 3, 6, **options)
    torch.save(module, tmp_path / "cell.pt")
    with torch.serialization.safe_globals([type(module)]):
        loaded = torch.load(tmp_path / "cell.pt", weights_only=True)
    x, state = torch.randn(2, 3), module(torch.randn(2, 3))
    for twin in (loaded, deepcopy(module)):
        assert type(twin.cell) is type(module.cell) and twin.cell.options() == module.cell.options()
        assert list(twin.state_dict()) == list(module.state_dict())
        torch.testing.assert_close(twin(x, state, t=1), module(x, state, t=1), rtol=0, atol=0)


def test_a_cell_module_pickled_with_its_cell_object_still_loads(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell module saved by an older rnnkit holds its cell as the object: it loads (weights_only=False, as it always
    needed) and computes what it did."""
    torch.manual_seed(9)
    module = make_cell_module("clockwork", 3, 6, periods=[1, 2, 4])
    with monkeypatch.context() as older:
        older.setattr(CellModule, "__getstate__", torch.nn.Module.__getstate__)
        torch.save(module, tmp_path / "old.pt")
    loaded = torch.load(tmp_path / "old.pt", weights_only=False)
    x, state = torch.randn(2, 3), module(torch.randn(2, 3))
    assert loaded.cell.periods == [1, 2, 4]
    torch.testing.assert_close(loaded(x, state, t=1), module(x, state, t=1), rtol=0, atol=0)
