"""minGRU and minLSTM: both scans (Heinsen's log-space parallel scan and the hand-written sequential one,
whose blocks of time steps are cut shorter here than the sequence, with a shorter last block) equal the
step loop they replace (float64, two layers, both directions, padded lengths and a carried state),
gradcheck passes through them, the step is the paper's equations, and the layer has no recurrent
weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit import Recurrent
from rnnkit import scan as scan_module
from rnnkit.cells import make_cell_module
from rnnkit.cells.minimal import g, log_g
from rnnkit.models.sequence import SequenceModel, hidden_for_params

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CELLS = ["mingru", "minlstm"]
SCANS = ["parallel", "sequential", "sequential-blocks"]
TOL = {"rtol": 1e-9, "atol": 1e-10}


@pytest.fixture(autouse=True)
def blocks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """``scan="sequential-blocks"``: the sequential scan in blocks of 4 steps (9 steps = 4 + 4 + 1, 5 = 4 + 1),
    where the tests' sizes would otherwise make one block of the whole sequence, and keeping the input
    projection for the backward (as for a wide input) instead of recomputing it."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("scan") == "sequential-blocks":
        monkeypatch.setattr(scan_module, "chunk_length", lambda steps, batch, hidden: min(steps, 4))
        monkeypatch.setattr(scan_module, "RECOMPUTE_INPUT", 0)


def pair(cell: str, scan: str = "auto", **kw: object) -> tuple[Recurrent, Recurrent]:
    """The scan layer and the step-loop layer (``impl="reference"``) with the same float64 weights."""
    torch.manual_seed(0)
    layer = Recurrent(cell, 3, 5, scan=scan.removesuffix("-blocks"), **kw).double()
    loop = Recurrent(cell, 3, 5, impl="reference", **kw).double()
    loop.load_state_dict(layer.state_dict())
    return layer, loop


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_scan_equals_the_step_loop_with_lengths_and_carried_state(cell: str, bidirectional: bool, scan: str) -> None:
    scan, loop = pair(cell, scan, num_layers=2, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    h0 = torch.randn(scan.num_layers * scan.num_directions, 4, 5, dtype=torch.float64)  # either sign
    lengths = torch.tensor([9, 4, 1, 6])
    weights = torch.randn(4, 9, scan.output_size, dtype=torch.float64)
    results = []
    for rnn in (scan, loop):
        out, h_n = rnn(x, h0, lengths=lengths)
        ((out * weights).sum() + h_n.pow(2).sum()).backward()
        results.append((out, h_n, {n: p.grad for n, p in rnn.named_parameters()}))
    (out_s, h_s, grad_s), (out_l, h_l, grad_l) = results
    torch.testing.assert_close(out_s, out_l, **TOL)
    torch.testing.assert_close(h_s, h_l, **TOL)
    assert torch.all(out_s[1, 4:] == 0) and torch.all(out_s[2, 1:] == 0)  # nothing past a length
    for name, grad in grad_s.items():
        torch.testing.assert_close(grad, grad_l[name], **TOL, msg=name)


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("cell", CELLS)
def test_gradcheck_through_the_scan(cell: str, scan: str) -> None:
    torch.manual_seed(1)
    rnn = Recurrent(cell, 2, 3, bidirectional=True, scan=scan.removesuffix("-blocks")).double()
    x = torch.randn(5, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([5, 3])

    def run(x: torch.Tensor, h0: torch.Tensor, *params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, h_n = torch.func.functional_call(rnn, dict(zip(names, params, strict=True)), (x, h0),
                                              {"lengths": lengths})
        return out, h_n

    names = [n for n, _ in rnn.named_parameters()]
    assert torch.autograd.gradcheck(run, (x, h0, *rnn.parameters()))


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("cell", CELLS)
def test_a_packed_sequence_equals_the_padded_batch(cell: str, scan: str) -> None:
    scan, loop = pair(cell, scan, bidirectional=True)
    x = torch.randn(6, 3, 3, dtype=torch.float64)
    lengths = torch.tensor([2, 6, 4])
    padded, h_padded = scan(x, lengths=lengths)
    packed, h_packed = scan(pack_padded_sequence(x, lengths, enforce_sorted=False))
    torch.testing.assert_close(pad_packed_sequence(packed, total_length=6)[0], padded, **TOL)
    torch.testing.assert_close(h_packed, h_padded, **TOL)
    torch.testing.assert_close(h_packed, loop(pack_padded_sequence(x, lengths, enforce_sorted=False))[1], **TOL)


def test_the_step_is_the_papers_equations() -> None:
    """Feng et al. (2024), section 3 with the log-space g: written out here from the paper, not from the cell."""
    torch.manual_seed(2)
    x, h = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64)
    gru = make_cell_module("mingru", 3, 5).double()
    z_pre, h_pre = F.linear(x, gru.weight_ih, gru.bias_ih).split(5, dim=1)
    cand = torch.where(h_pre >= 0, h_pre + 0.5, torch.sigmoid(h_pre))
    z = torch.sigmoid(z_pre)
    torch.testing.assert_close(gru(x, h), (1 - z) * h + z * cand)
    lstm = make_cell_module("minlstm", 3, 5).double()
    f_pre, i_pre, h_pre = F.linear(x, lstm.weight_ih, lstm.bias_ih).split(5, dim=1)
    f, i = torch.sigmoid(f_pre), torch.sigmoid(i_pre)
    cand = torch.where(h_pre >= 0, h_pre + 0.5, torch.sigmoid(h_pre))
    torch.testing.assert_close(lstm(x, h), f / (f + i) * h + i / (f + i) * cand)
    assert gru.weight_hh is None and gru.bias_hh is None


def test_log_g_and_the_scan_against_plain_arithmetic() -> None:
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    torch.testing.assert_close(log_g(x).exp(), g(x))
    a, b = torch.rand(50, 2, 3, dtype=torch.float64), torch.rand(50, 2, 3, dtype=torch.float64) + 0.1
    h = torch.randn(2, 3, dtype=torch.float64)
    expected = []
    for t in range(50):
        h0 = h if t == 0 else expected[-1]
        expected.append(a[t] * h0 + b[t])
    torch.testing.assert_close(scan_module.linear_scan(a.log(), b.log(), h), torch.stack(expected))


@pytest.mark.parametrize("cell", CELLS)
def test_float32_parallel_scan_stays_close_to_the_loop_over_784_steps(cell: str) -> None:
    scan, loop = pair(cell, "parallel")
    scan, loop = scan.float(), loop.float()
    x = torch.rand(784, 2, 3)
    with torch.no_grad():
        torch.testing.assert_close(scan(x)[0], loop(x)[0], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("cell", CELLS)
def test_no_recurrent_weights_and_the_parameter_count_is_known(cell: str) -> None:
    rnn = Recurrent(cell, 3, 5, num_layers=2)
    assert not any("_hh_" in n for n, _ in rnn.named_parameters())
    gates = rnn.cell_def.gates
    assert rnn.weight_ih_l1.shape == (gates * 5, 5) and rnn.layer_weights(1)[1] is None
    hidden = hidden_for_params(cell, 500, 3, 2, {}, every_step=False)
    size = lambda h: sum(p.numel() for p in SequenceModel(cell, 3, h, 2, False).parameters())  # noqa: E731
    assert size(hidden) <= 500 < size(hidden + 1)
    with pytest.raises(ValueError, match="no fused kernel"):
        Recurrent(cell, 3, 5, impl="fused")
    with pytest.raises(ValueError, match="scan must be one of"):
        Recurrent(cell, 3, 5, scan="fast")
    assert Recurrent(**Recurrent(cell, 3, 5, scan="parallel").config()).cell_def.scan == "parallel"


@pytest.mark.parametrize("cell", CELLS)
def test_the_sequential_scan_without_bias_and_in_bfloat16(cell: str) -> None:
    layer, loop = pair(cell, "sequential", bias=False)
    x, h0 = torch.randn(7, 2, 3, dtype=torch.float64), torch.randn(1, 2, 5, dtype=torch.float64)
    torch.testing.assert_close(layer(x, h0), loop(x, h0), **TOL)
    with torch.no_grad():
        out, h_n = layer.bfloat16()(x.bfloat16(), h0.bfloat16())  # computed in float32, returned in bfloat16
        assert out.dtype == h_n.dtype == torch.bfloat16
        torch.testing.assert_close(out.double(), loop(x, h0)[0], rtol=0.05, atol=0.05)


def test_auto_takes_the_sequential_scan_on_the_cpu() -> None:
    x, w = torch.randn(3, 2, 4), torch.randn(10, 4)
    auto = make_cell_module("mingru", 4, 5, scan="auto").cell
    assert auto.sequence_from_input(x, w, None, torch.zeros(2, 5), None, 0) is not None
    parallel = make_cell_module("mingru", 4, 5, scan="parallel").cell
    assert parallel.sequence_from_input(x, w, None, torch.zeros(2, 5), None, 0) is None


@pytest.mark.parametrize("cell", CELLS)
def test_the_sequential_scan_of_one_input_feature(cell: str) -> None:
    """Pixel by pixel: the projection is an outer product, computed by its own branch."""
    torch.manual_seed(3)
    layer = Recurrent(cell, 1, 4, batch_first=True).double()
    loop = Recurrent(cell, 1, 4, batch_first=True, impl="reference").double()
    loop.load_state_dict(layer.state_dict())
    x = torch.rand(3, 11, 1, dtype=torch.float64, requires_grad=True)
    grads = []
    for rnn in (layer, loop):
        out, _ = rnn(x)
        grads.append(torch.autograd.grad(out[:, -1].sum(), (x, *rnn.parameters())))
        grads[-1] += (out,)
    for mine, ref in zip(*grads, strict=True):
        torch.testing.assert_close(mine, ref, **TOL)


def test_the_parallel_scan_gradient_where_the_candidate_input_is_zero() -> None:
    """log g at 0 took relu's gradient 0 instead of g'(0) / g(0) = 2: zero input and zero bias gave
    wrong bias gradients on the parallel scan (the GPU's default)."""
    x = torch.zeros(5, 2, 3, dtype=torch.float64)
    grads = {}
    for scan in ("parallel", "sequential"):
        torch.manual_seed(0)
        layer = Recurrent("minlstm", 3, 4, scan=scan).double()
        with torch.no_grad():
            layer.bias_ih_l0.zero_()
        layer(x)[0].sum().backward()
        grads[scan] = layer.bias_ih_l0.grad
    torch.testing.assert_close(grads["parallel"], grads["sequential"], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("scan", ["parallel", "sequential"])
def test_minlstm_with_both_gates_far_below_zero(scan: str) -> None:
    """f and i both underflow to 0: f / (f + i) was 0 / 0 on the step and the sequential scan."""
    layer = Recurrent("minlstm", 1, 1, scan=scan, bias=False).double()
    with torch.no_grad():
        layer.weight_ih_l0.copy_(torch.tensor([[-800.0], [-800.0], [0.5]]))
    out = layer(torch.ones(1, 1, 1, dtype=torch.float64))[0]
    torch.testing.assert_close(out.flatten(), torch.tensor([0.5 * 1.0], dtype=torch.float64))  # ½ · g(0.5)


def test_the_parallel_scan_has_first_and_second_derivatives() -> None:
    torch.manual_seed(0)
    log_a = (-torch.rand(6, 2, 3, dtype=torch.float64)).requires_grad_()
    log_b = torch.randn(6, 2, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(scan_module.linear_scan, (log_a, log_b, h0))
    assert torch.autograd.gradgradcheck(scan_module.linear_scan, (log_a, log_b, h0))
    sparse = torch.zeros(6, 2, 3, dtype=torch.float64)
    sparse[-1] = torch.randn(2, 3, dtype=torch.float64)  # gradient 0 at every step but the last
    assert torch.autograd.gradgradcheck(scan_module.linear_scan, (log_a, log_b, h0), (sparse,))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("loss", ["final state", "outputs, padded"])
def test_second_derivative_of_the_parallel_scan_equals_the_step_loop(cell: str, loss: str) -> None:
    """A loss on the final state alone, or on a padded batch, leaves steps with gradient 0: torch's backward
    of logcumsumexp took their log, and the second derivative was NaN."""
    second = []
    for impl in ("auto", "reference"):
        torch.manual_seed(0)
        layer = Recurrent(cell, 2, 3, dtype=torch.float64, scan="parallel", impl=impl)
        x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
        out, h = layer(x, lengths=torch.tensor([4, 2])) if loss.endswith("padded") else layer(x)
        first = torch.autograd.grad((h if loss == "final state" else out).pow(2).sum(), x, create_graph=True)[0]
        second.append(torch.autograd.grad(first.pow(2).sum(), x)[0])
    assert torch.isfinite(second[0]).all()
    torch.testing.assert_close(second[0], second[1], **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_parallel_scan_gradients_stay_close_to_float64_over_784_steps(cell: str) -> None:
    """The written-out backward keeps the float32 gradients within 1e-4 of float64 (relative to the largest);
    torch's backward of logcumsumexp was off by up to 7.5e-3 here."""
    torch.manual_seed(0)
    ref = Recurrent(cell, 3, 8, dtype=torch.float64, impl="reference")
    par = Recurrent(cell, 3, 8, scan="parallel")
    par.load_state_dict({k: v.float() for k, v in ref.state_dict().items()})
    x, w = torch.rand(784, 2, 3, dtype=torch.float64), torch.randn(784, 2, 8, dtype=torch.float64)
    (ref(x)[0] * w).sum().backward()
    (par(x.float())[0] * w.float()).sum().backward()
    for p, q in zip(ref.parameters(), par.parameters(), strict=True):
        assert float((p.grad - q.grad.double()).abs().max() / p.grad.abs().max()) < 1e-4


@pytest.mark.parametrize("h0_shape", [(1, 2, 3), (2, 3), (3,), ()])
def test_the_parallel_scan_takes_a_broadcast_initial_state_and_no_steps(h0_shape: tuple[int, ...]) -> None:
    log_a = (-torch.rand(4, 2, 3, dtype=torch.float64)).requires_grad_()
    log_b = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(h0_shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(scan_module.linear_scan, (log_a, log_b, h0))
    empty = torch.zeros(0, 2, 3, dtype=torch.float64, requires_grad=True)
    scan_module.linear_scan(empty, empty, h0).sum().backward()
    assert h0.grad is not None and not h0.grad.any()


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_a_trace_of_the_sequential_scan_sizes_its_blocks_for_the_input_it_runs_on(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The sequential scan's blocks of steps hold about ``CHUNK_ELEMENTS`` numbers of the input they run on. A
    trace kept the block of the input it was traced on (one row of 3 steps: blocks of 3 steps for any batch;
    traced on a long sequence of one row, a whole batch's projection in one block); the loaded trace now sizes
    them as the live layer does."""
    blocks: list[int] = []
    scan_class = scan_module._LerpScan

    class Spy(scan_class):  # type: ignore[misc, valid-type]
        @staticmethod
        def forward(ctx, x, weight, bias, h0, cell, chunk):  # type: ignore[no-untyped-def, override]
            blocks.append(chunk)
            return scan_class.forward(ctx, x, weight, bias, h0, cell, chunk)

    monkeypatch.setattr(scan_module, "_LerpScan", Spy)
    torch.manual_seed(0)
    rnn = Recurrent("mingru", 3, 64, cell_options={"scan": "sequential"}).eval()
    torch.jit.save(torch.jit.trace(rnn, (torch.randn(3, 1, 3),), check_trace=False), tmp_path / "trace.pt")
    loaded = torch.jit.load(tmp_path / "trace.pt")
    x = torch.randn(40, 256, 3)
    blocks.clear()
    torch.testing.assert_close(loaded(x)[0], rnn(x)[0])
    assert blocks == [scan_module.chunk_length(40, 256, 64)] * 2 == [4] * 2     # the trace's, then the live call's


@pytest.mark.parametrize("scan", ["auto", "parallel"])
@pytest.mark.parametrize("cell", CELLS)
def test_the_onnx_export_of_the_layer_runs_any_length(cell: str, scan: str) -> None:
    """The TorchScript-based ONNX exporter writes neither scan (the sequential one is a Function with in-place
    writes, and ONNX has no logcumsumexp), so the layer ran its step loop there, unrolled over the traced length:
    onnxruntime refused any other. Under the export the scan runs in plain operations, its rounds an ONNX Loop:
    the file computes the layer, whatever its scan option, at any length, and padding changes nothing."""
    import io
    import warnings

    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")

    class Layer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = Recurrent(cell, 3, 5, num_layers=2, bidirectional=True, batch_first=True, scan=scan)

        def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return self.rnn(x, lengths=lengths)

    torch.manual_seed(0)
    layer = Layer().eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dynamic = {"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, "out": {0: "batch", 1: "time"},
                   "h": {1: "batch"}}
        torch.onnx.export(layer, (torch.randn(2, 5, 3), torch.tensor([5, 3])), buffer, input_names=["x", "lengths"],
                          output_names=["out", "h"], dynamic_axes=dynamic, opset_version=17, dynamo=False)
    assert not [w for w in caught if "step loop" in str(w.message)]
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    exact = layer.double()  # the judge: float32's log-space scan itself parts from the loop by 6e-5 over 300 steps
    for sizes in ([40, 17, 1], [1], [300, 2]):
        lengths = torch.tensor(sizes)
        x = torch.randn(len(sizes), max(sizes), 3)
        x[torch.arange(max(sizes)).unsqueeze(0) >= lengths.unsqueeze(1)] = 50.0  # padding: far from the real steps
        with torch.no_grad():
            want = [w.float() for w in exact(x.double(), lengths)]
        got = session.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})
        for name, value, w in zip(("out", "h"), got, want, strict=True):
            torch.testing.assert_close(torch.from_numpy(value), w, rtol=1e-5, atol=1e-6,
                                       msg=lambda m, name=name, sizes=sizes: f"{name} at {sizes}: {m}")


@pytest.mark.filterwarnings("ignore")
def test_the_dynamo_onnx_export_of_the_layer_is_never_silently_wrong_at_another_length() -> None:
    """The dynamo-based exporter is no trace: a scripted loop's rounds are fixed at the exported length there, so
    a file of the scan exported at 5 steps (3 rounds: 8 steps back) left the first step out of the ninth's state
    (0.004 off, without a word). It keeps the step loop: the file computes the layer at its length and onnxruntime
    refuses another."""
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    rnn = Recurrent("mingru", 3, 4).eval()
    program = torch.onnx.export(rnn, (torch.randn(5, 2, 3),), dynamo=True,
                                dynamic_shapes=({0: torch.export.Dim("time")},))
    session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for steps in (5, 9):
        x = torch.randn(steps, 2, 3)
        try:
            got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
        except Exception as error:  # refused: as a file of the step loop does
            assert steps != 5 and "dimensions" in str(error)
            continue
        with torch.no_grad():
            torch.testing.assert_close(torch.from_numpy(got), rnn(x)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_the_doubling_scan_of_the_onnx_export_equals_a_step_loop_at_every_length() -> None:
    """The ONNX export's scan, eager and scripted, against h_t = a_t h_{t-1} + b_t step by step, at every length to
    17: a loop one round short (``while d < T - 1``) left the first step out of the last one's state at 2, 3, 5, 9
    and 17 steps, lengths the export's test (1, 40 and 300 steps) does not read."""
    torch.manual_seed(0)
    for steps in range(18):
        log_a = -torch.rand(steps, 2, 3, dtype=torch.float64) * 2
        log_b = torch.randn(steps, 2, 3, dtype=torch.float64)
        h0 = torch.randn(2, 3, dtype=torch.float64)
        h, want = h0, []
        for a, b in zip(log_a.exp(), log_b.exp(), strict=True):
            h = a * h + b
            want.append(h)
        expected = torch.stack(want) if want else log_a.clone()
        for scan in (scan_module._doubling_scan, scan_module._scripted_doubling_scan()):
            torch.testing.assert_close(scan(log_a, log_b, h0), expected, **TOL, msg=lambda m, n=steps: f"{n}: {m}")
