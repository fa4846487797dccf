"""rnnkit's standard cells against torch.nn's own modules: same weights, same outputs, states, gradients.

torch.nn is the judge here: we did not write it. Configurations are drawn at random (seeded) over
layers, directions, batch_first, padded lengths and a given initial state; both of rnnkit's paths (the
fused kernel and the per-step reference loop) are compared.
"""

from __future__ import annotations

import random
import zlib

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit import Recurrent
from rnnkit.cells import make_cell_module

TORCH = {
    "lstm": lambda **k: nn.LSTM(**k),
    "gru": lambda **k: nn.GRU(**k),
    "rnn_tanh": lambda **k: nn.RNN(nonlinearity="tanh", **k),
    "rnn_relu": lambda **k: nn.RNN(nonlinearity="relu", **k),
    "irnn": lambda **k: nn.RNN(nonlinearity="relu", **k),
}


def _configs(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(
            dict(
                num_layers=rng.randint(1, 3),
                bidirectional=rng.random() < 0.5,
                batch_first=rng.random() < 0.5,
                padded=rng.random() < 0.6,
                given_state=rng.random() < 0.5,
                input_size=rng.randint(1, 6),
                hidden_size=rng.randint(1, 7),
                batch=rng.randint(1, 5),
                steps=rng.randint(1, 8),
            )
        )
    return out


def _flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def _run_pair(cell: str, impl: str, cfg: dict, dtype: torch.dtype, seed: int):
    torch.manual_seed(seed)
    kw = dict(
        input_size=cfg["input_size"],
        hidden_size=cfg["hidden_size"],
        num_layers=cfg["num_layers"],
        bidirectional=cfg["bidirectional"],
        batch_first=cfg["batch_first"],
    )
    ours = Recurrent(cell, impl=impl, **kw).to(dtype)
    # irnn's identity W_hh gives an easy case; perturb so the comparison means something
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(0.3 * torch.randn_like(p))
    ref = TORCH[cell](**kw).to(dtype)
    ref.load_state_dict(ours.state_dict())

    B, T = cfg["batch"], cfg["steps"]
    shape = (B, T, kw["input_size"]) if kw["batch_first"] else (T, B, kw["input_size"])
    x = torch.randn(shape, dtype=dtype)
    D = 2 if kw["bidirectional"] else 1
    state = None
    if cfg["given_state"]:
        h0 = torch.randn(kw["num_layers"] * D, B, kw["hidden_size"], dtype=dtype)
        state = (h0, torch.randn_like(h0)) if cell == "lstm" else h0
    lengths = torch.randint(1, T + 1, (B,)) if cfg["padded"] else None
    if lengths is not None:
        lengths[0] = T  # pad_packed_sequence pads to the longest; keep T as the longest

    out_a, st_a = ours(x, state, lengths=lengths)
    if lengths is None:
        out_b, st_b = ref(x, state)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=kw["batch_first"], enforce_sorted=False)
        out_b, st_b = ref(packed, state)
        out_b, _ = pad_packed_sequence(out_b, batch_first=kw["batch_first"], total_length=T)

    # a loss that touches the output and every final state
    w_out = torch.randn_like(out_a)
    ws = [torch.randn_like(s) for s in _flat(st_a)]
    loss_a = (out_a * w_out).sum() + sum((s * w).sum() for s, w in zip(_flat(st_a), ws, strict=True))
    loss_b = (out_b * w_out).sum() + sum((s * w).sum() for s, w in zip(_flat(st_b), ws, strict=True))
    loss_a.backward()
    loss_b.backward()
    return ours, ref, (out_a, st_a), (out_b, st_b)


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu", "irnn"])
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_matches_torch_nn(cell: str, impl: str, dtype: torch.dtype, tol: float) -> None:
    for i, cfg in enumerate(_configs(6, seed=zlib.crc32(f"{cell}{impl}{dtype}".encode()) % 1000)):
        ours, ref, (out_a, st_a), (out_b, st_b) = _run_pair(cell, impl, cfg, dtype, seed=i)
        ctx = f"{cell} {impl} {cfg}"
        torch.testing.assert_close(out_a, out_b, rtol=tol, atol=tol, msg=ctx)
        for a, b in zip(_flat(st_a), _flat(st_b), strict=True):
            torch.testing.assert_close(a, b, rtol=tol, atol=tol, msg=ctx)
        ref_params = dict(ref.named_parameters())
        for name, p in ours.named_parameters():
            torch.testing.assert_close(p.grad, ref_params[name].grad, rtol=tol, atol=tol, msg=f"{ctx} {name}")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_state_dicts_load_both_ways(cell: str) -> None:
    kw = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    ours = Recurrent(cell, **kw)
    ref = TORCH[cell](**kw)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    ours.load_state_dict(ref.state_dict())  # torch -> rnnkit
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(ours(x)[0], ref(x)[0])
    fresh = TORCH[cell](**kw)
    fresh.load_state_dict(Recurrent(cell, **kw).state_dict())  # rnnkit -> torch


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_reference_path_equals_fused_path(cell: str) -> None:
    torch.manual_seed(1)
    fused = Recurrent(cell, 4, 6, num_layers=2, bidirectional=True, batch_first=True).double()
    reference = Recurrent(cell, 4, 6, num_layers=2, bidirectional=True, batch_first=True, impl="reference").double()
    reference.load_state_dict(fused.state_dict())
    assert fused.uses_fused() and not reference.uses_fused()
    x = torch.randn(3, 9, 4, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([9, 4, 1])
    out_f, st_f = fused(x, lengths=lengths)
    out_r, st_r = reference(x, lengths=lengths)
    torch.testing.assert_close(out_f, out_r, rtol=1e-12, atol=1e-12)
    for a, b in zip(_flat(st_f), _flat(st_r), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    (gf,) = torch.autograd.grad(out_f.square().sum(), x)
    (gr,) = torch.autograd.grad(out_r.square().sum(), x)
    torch.testing.assert_close(gf, gr, rtol=1e-12, atol=1e-12)


def test_padding_is_never_read() -> None:
    torch.manual_seed(2)
    for impl in ("auto", "reference"):
        rnn = Recurrent("gru", 3, 5, bidirectional=True, batch_first=True, impl=impl)
        x = torch.randn(2, 6, 3)
        lengths = torch.tensor([6, 3])
        out, h = rnn(x, lengths=lengths)
        x2 = x.clone()
        x2[1, 3:] = 1e3  # garbage in the padding
        out2, h2 = rnn(x2, lengths=lengths)
        torch.testing.assert_close(out, out2)
        torch.testing.assert_close(h, h2)
        assert torch.all(out[1, 3:] == 0)
        alone, h_alone = rnn(x[1:, :3])
        torch.testing.assert_close(out[1:, :3], alone)
        torch.testing.assert_close(h[:, 1:], h_alone)


@pytest.mark.parametrize(
    "cell,torch_cell",
    [
        ("lstm", nn.LSTMCell),
        ("gru", nn.GRUCell),
        ("rnn_tanh", lambda i, h: nn.RNNCell(i, h, nonlinearity="tanh")),
        ("rnn_relu", lambda i, h: nn.RNNCell(i, h, nonlinearity="relu")),
    ],
)
def test_cell_modules_match_torch_cells(cell: str, torch_cell) -> None:
    torch.manual_seed(3)
    ours = make_cell_module(cell, 4, 5).double()
    ref = torch_cell(4, 5).double()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(3, 4, dtype=torch.float64)
    h0 = torch.randn(3, 5, dtype=torch.float64)
    state = (h0, torch.randn_like(h0)) if cell == "lstm" else h0
    for a, b in zip(_flat(ours(x, state)), _flat(ref(x, state)), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_unbatched_input_and_errors() -> None:
    rnn = Recurrent("lstm", 3, 4, num_layers=2)
    ref = nn.LSTM(3, 4, num_layers=2)
    ref.load_state_dict(rnn.state_dict())
    x = torch.randn(5, 3)
    out, (h, c) = rnn(x)
    out_r, (h_r, c_r) = ref(x)
    torch.testing.assert_close(out, out_r)
    torch.testing.assert_close(h, h_r)
    for module in (rnn, ref):  # the same mistakes, the same errors as torch.nn
        with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 7"):
            module(torch.randn(5, 2, 7))
        with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[1, 2, 4\]"):
            module(torch.randn(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))
        with pytest.raises(ValueError, match="does not match weight dtype"):
            module(torch.randn(5, 2, 3, dtype=torch.float64))
        with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
            module(torch.randn(0, 2, 3))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        Recurrent("lstm", 3, 4, impl="reference")(torch.randn(0, 2, 3))
    with pytest.raises(ValueError, match="lengths must lie"):
        rnn(torch.randn(5, 2, 3), lengths=torch.tensor([6, 1]))
    for impl in ("auto", "reference"):  # a sequence of no steps, as torch's pack_padded_sequence refuses it
        with pytest.raises(ValueError, match=r"^lengths must lie in 1\.\.5 \(the padded length\), got 0\.\.2$"):
            Recurrent("lstm", 3, 4, impl=impl)(torch.randn(5, 2, 3), lengths=torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="unknown cell"):
        Recurrent("elman", 3, 4)
    with pytest.raises(ValueError, match="no fused kernel"):
        Recurrent("clockwork", 3, 4, impl="fused")
    with pytest.raises(ValueError, match="unexpected keyword"):
        Recurrent("gru", 3, 4, forget_bias=1.0)
    # a mistyped keyword is a TypeError, as torch.nn.LSTM's (it was a ValueError only), naming the keyword
    with pytest.raises(TypeError, match=r"cell 'lstm': unexpected keyword argument 'batchfirst' \(its options: "
                                        r"forget_bias, "):
        Recurrent("lstm", 3, 4, batchfirst=True)


def test_dropout_between_layers_only_in_training() -> None:
    torch.manual_seed(4)
    for impl in ("auto", "reference"):
        rnn = Recurrent("lstm", 3, 8, num_layers=2, dropout=0.5, impl=impl)
        x = torch.randn(4, 2, 3)
        rnn.eval()
        a, _ = rnn(x)
        b, _ = rnn(x)
        torch.testing.assert_close(a, b)
        rnn.train()
        c, _ = rnn(x)
        assert not torch.allclose(a, c)


def test_config_rebuilds_the_layer() -> None:
    rnn = Recurrent("clockwork", 3, 12, periods=[1, 3, 9], bidirectional=True)
    clone = Recurrent(**rnn.config())
    clone.load_state_dict(rnn.state_dict())
    x = torch.randn(7, 2, 3)
    torch.testing.assert_close(rnn(x)[0], clone(x)[0])


@pytest.mark.parametrize(("cell", "options"), [("clockwork", {}), ("rnn_tanh", {"zoneout": 0.1}),
                                               ("gru", {"zoneout": 0.1})])
def test_a_second_derivative_through_a_hand_written_bptt_is_refused_not_wrong(cell: str, options: dict) -> None:
    """The Clockwork RNN's backward built a graph that took its saved states as constants, so a gradient
    penalty trained on numbers 3 to 19 away from the reference's; now, as for the LSTM's loop, it is
    refused."""
    torch.manual_seed(0)
    layer = Recurrent(cell, 3, 6, **options).double().train()
    x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="no second derivative"):
        (gx,) = torch.autograd.grad((layer(x)[0] ** 2).sum(), x, create_graph=True)
        (gx ** 2).sum().backward()
