"""``Recurrent.step``, the one-step method decoders call once per token: for every cell of
:data:`rnnkit.cells.CELLS`, with two layers, it equals ``forward`` (over the whole sequence and run one
step at a time), and for the standard cells it equals torch.nn's own cells with the same weights."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

import rnnkit
from rnnkit import Recurrent
from rnnkit.cells import CELLS

TOL = {"rtol": 1e-10, "atol": 1e-10}
TORCH_CELLS = {
    "lstm": nn.LSTMCell,
    "gru": nn.GRUCell,
    "rnn_tanh": lambda i, h: nn.RNNCell(i, h, nonlinearity="tanh"),
    "rnn_relu": lambda i, h: nn.RNNCell(i, h, nonlinearity="relu"),
    "irnn": lambda i, h: nn.RNNCell(i, h, nonlinearity="relu"),
}


def _flat(state: Tensor | tuple[Tensor, ...]) -> list[Tensor]:
    return list(state) if isinstance(state, tuple) else [state]


def two_layers(cell: str, impl: str = "auto", hidden: int = 6, **options: object) -> Recurrent:
    """A float64 two-layer stack with perturbed weights (an IRNN's identity start is too easy a case)."""
    torch.manual_seed(0)
    rnn = Recurrent(cell, 3, hidden, num_layers=2, impl=impl, **options).double()
    with torch.no_grad():
        for p in rnn.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return rnn


def start_state(rnn: Recurrent, batch: int) -> Tensor | tuple[Tensor, Tensor]:
    h0 = torch.randn(rnn.num_layers, batch, rnn.hidden_size, dtype=torch.float64)
    return (h0, torch.randn_like(h0)) if rnn.cell_def.has_cell_state else h0


def step_through(rnn: Recurrent, x: Tensor, state: object, start: int = 0) -> tuple[Tensor, object]:
    outs = []
    for t in range(x.shape[0]):
        out, state = rnn.step(x[t], state, t=start + t)
        outs.append(out)
    return torch.stack(outs), state


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_step_equals_forward(cell: str, impl: str) -> None:
    rnn = two_layers(cell, impl)
    x = torch.randn(9, 4, 3, dtype=torch.float64)
    h0 = start_state(rnn, 4)
    whole, final = rnn(x, h0)
    stepped, last = step_through(rnn, x, h0)
    torch.testing.assert_close(stepped, whole, **TOL)
    for a, b in zip(_flat(last), _flat(final), strict=True):
        torch.testing.assert_close(a, b, **TOL)
    state = h0  # forward run one step at a time, the clock carried by time_offset
    for t in range(x.shape[0]):
        one, state = rnn(x[t : t + 1], state, time_offset=t)
        torch.testing.assert_close(one[0], stepped[t], **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
def test_step_continues_a_prefix_run_by_forward(cell: str) -> None:
    rnn = two_layers(cell)
    x = torch.randn(8, 2, 3, dtype=torch.float64)
    whole, _ = rnn(x)
    _, state = rnn(x[:5])
    rest, _ = step_through(rnn, x[5:], state, start=5)
    torch.testing.assert_close(rest, whole[5:], **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
def test_step_gradients_equal_forward_gradients(cell: str) -> None:
    rnn = two_layers(cell)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    weights = torch.randn(6, 2, rnn.hidden_size, dtype=torch.float64)
    (rnn(x)[0] * weights).sum().backward()
    expected = {n: p.grad.clone() for n, p in rnn.named_parameters()}
    rnn.zero_grad()
    (step_through(rnn, x, None)[0] * weights).sum().backward()
    for name, p in rnn.named_parameters():
        torch.testing.assert_close(p.grad, expected[name], **TOL, msg=name)


@pytest.mark.parametrize("cell", sorted(TORCH_CELLS))
def test_step_equals_torch_cells_with_the_same_weights(cell: str) -> None:
    rnn = two_layers(cell)
    layers = []
    for k in range(2):
        ref = TORCH_CELLS[cell](3 if k == 0 else 6, 6).double()
        ref.load_state_dict({name: getattr(rnn, f"{name}_l{k}") for name in ref.state_dict()})
        layers.append(ref)
    state = start_state(rnn, 4)
    for t in range(5):
        x = torch.randn(4, 3, dtype=torch.float64)
        out, new = rnn.step(x, state, t=t)
        inp, expected = x, []
        for k, ref in enumerate(layers):
            s = tuple(part[k] for part in state) if isinstance(state, tuple) else state[k]
            result = ref(inp, s)
            expected.append(result)
            inp = result[0] if isinstance(result, tuple) else result
        torch.testing.assert_close(out, inp, **TOL)
        if isinstance(new, tuple):
            for j in range(2):
                torch.testing.assert_close(new[j], torch.stack([e[j] for e in expected]), **TOL)
        else:
            torch.testing.assert_close(new, torch.stack(expected), **TOL)
        state = new


@pytest.mark.parametrize("periods", [[1, 2, 4], [1, 3, 5]])
def test_clockwork_step_follows_its_clock(periods: list[int]) -> None:
    rnn = two_layers("clockwork", hidden=6, periods=periods)
    cell = rnn.cell_def
    h0 = start_state(rnn, 2)
    x = torch.randn(2, 3, dtype=torch.float64)
    for t in range(2 * periods[-1] + 1):
        _, h = rnn.step(x, h0, t=t)
        active = torch.zeros(6, dtype=torch.bool)
        for i in cell.active_modules(t):
            active[cell.starts[i] : cell.starts[i] + cell.sizes[i]] = True
        for layer in range(2):  # a module off the clock keeps its state exactly; one on it moves
            assert torch.equal(h[layer][:, ~active], h0[layer][:, ~active]), (t, layer)
            assert not torch.isclose(h[layer][:, active], h0[layer][:, active]).any(), (t, layer)
    late, _ = rnn.step(x, h0, t=periods[-1])
    early, _ = rnn.step(x, h0, t=1)
    assert not torch.equal(late, early)  # the same input at another time is another step


@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork", "mingru"])
def test_step_drops_out_between_layers_only(cell: str) -> None:
    """torch.nn's ``dropout`` acts on the outputs of each layer but the last: in training, the output ``step`` gives
    is the top layer's new h as the state holds it (as forward's last step is h_n of the top layer), and it
    differs from an evaluation-mode step only through the dropped inputs of the layer above."""
    rnn = two_layers(cell, dropout=0.5).train()
    x, h0 = torch.randn(4, 3, dtype=torch.float64), start_state(rnn, 4)
    torch.manual_seed(1)
    out, state = rnn.step(x, h0, t=0)  # a Clockwork RNN given a state needs its clock
    torch.testing.assert_close(out, _flat(state)[0][-1], rtol=0, atol=0)
    assert not torch.equal(out, rnn.eval().step(x, h0, t=0)[0])  # the dropout did act, between the layers


def test_step_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="one direction"):
        Recurrent("gru", 3, 4, bidirectional=True).step(torch.randn(2, 3))
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        Recurrent("gru", 3, 4).step(torch.randn(5, 2, 3))


def test_step_names_the_layer_as_forward_does() -> None:
    """``rnnkit.LSTM``'s step() said "lstm: step() ..." for a bidirectional layer or an input of the wrong
    size, where its other messages (forward's, step()'s own about the state) say "LSTM"; Recurrent's say its cell."""
    with pytest.raises(ValueError, match=r"^LSTM: step\(\) runs one direction"):
        rnnkit.LSTM(3, 4, bidirectional=True).step(torch.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"^GRU: step\(\) takes input of shape \(batch, 3\), got \(2, 5\)$"):
        rnnkit.GRU(3, 4).step(torch.randn(2, 5))
    with pytest.raises(ValueError, match=r"^LSTM: Expected input to be 2D or 3D"):  # forward, for comparison
        rnnkit.LSTM(3, 4)(torch.randn(1, 2, 2, 3))
    with pytest.raises(ValueError, match=r"^gru: step\(\) runs one direction"):
        Recurrent("gru", 3, 4, bidirectional=True).step(torch.randn(2, 3))


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("shape", [(2, 4), (3, 2, 4), (2, 3, 4), (2, 2, 5)])
def test_step_refuses_a_state_of_the_wrong_shape(cell: str, shape: tuple[int, ...]) -> None:
    """A state as RNNCell takes it (B, H), with a layer too many or another batch: refused as forward
    refuses it, where some cells read row 0 of the batch for every sequence, or dropped a layer."""
    rnn = Recurrent(cell, 3, 4, num_layers=2)
    bad = torch.randn(shape)
    state = (bad, bad) if CELLS[cell].has_cell_state else bad
    with pytest.raises(RuntimeError, match=r"expected hidden size \(2, 2, 4\)"):
        rnn.step(torch.randn(2, 3), state)
    with pytest.raises(RuntimeError, match="as the state"):
        rnn.step(torch.randn(2, 3), bad if CELLS[cell].has_cell_state else (bad, bad))


@pytest.mark.parametrize("impl", ["auto", "reference"])
def test_clockwork_takes_a_packed_sequence_like_padding_with_lengths(impl: str) -> None:
    """Every cell takes a PackedSequence (the reference path packs and unpacks around its step loop): the
    Clockwork RNN's output equals the padded batch with its lengths, and its final state too."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 3, 8, periods=[1, 2, 4], bidirectional=True, impl=impl).double()
    x = torch.randn(7, 4, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 3, 5, 1])
    padded_out, padded_h = rnn(x, lengths=lengths)
    packed_out, packed_h = rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
    unpacked, got_lengths = pad_packed_sequence(packed_out, total_length=7)
    torch.testing.assert_close(unpacked, padded_out)
    torch.testing.assert_close(packed_h, padded_h)
    assert torch.equal(got_lengths, lengths)


@pytest.mark.parametrize("impl", ["auto", "reference"])
def test_step_of_a_projected_lstm_equals_forward(impl: str) -> None:
    """With ``proj_size`` the state's h is the projection: torch's one-step kernel cannot take it, the
    step still equals forward."""
    torch.manual_seed(0)
    rnn = Recurrent("lstm", 3, 6, num_layers=2, proj_size=2, impl=impl).double()
    x = torch.randn(5, 4, 3, dtype=torch.float64)
    whole, (h, c) = rnn(x)
    stepped, (h1, c1) = step_through(rnn, x, None)
    torch.testing.assert_close(stepped, whole, **TOL)
    torch.testing.assert_close(h1, h, **TOL)
    torch.testing.assert_close(c1, c, **TOL)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("impl", ["auto", "reference"])
def test_every_path_refuses_a_state_of_another_dtype(cell: str, impl: str) -> None:
    """An initial state of another dtype than the input's is refused alike on every path, as torch.nn's cells and
    layers refuse it (a RuntimeError): the minGRU's and minLSTM's step loop promoted the output to float64, their
    sequential scan and the Clockwork RNN's BPTT cast the state to float32, the other cells failed in a matmul.
    Under autocast, which casts both, a bfloat16 state runs, as in torch.nn's. (The LSTM's c, which meets no weight,
    is promoted as torch's native kernel promotes it: test_torch_parity.py.)"""
    from torch.nn.utils.rnn import pack_padded_sequence

    from rnnkit.cells import make_cell_module

    rnn = Recurrent(cell, 3, 4, impl=impl)
    x = torch.randn(5, 2, 3)
    h = torch.zeros(1, 2, 4, dtype=torch.float64)
    state = (h, h.float()) if CELLS[cell].has_cell_state else h
    wrong = r"hidden state dtype \(torch.float64\) does not match input dtype \(torch.float32\)"
    for call in (lambda: rnn(x, state), lambda: rnn(x, state, lengths=torch.tensor([5, 3])),
                 lambda: rnn(pack_padded_sequence(x, torch.tensor([5, 3])), state), lambda: rnn.step(x[0], state)):
        with pytest.raises(RuntimeError, match=wrong):
            call()
    module = make_cell_module(cell, 3, 4)
    with pytest.raises(RuntimeError, match=wrong):
        module(x[0], (h[0], h[0].float()) if CELLS[cell].has_cell_state else h[0])
    low = h.to(torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        rnn(x, (low, low) if CELLS[cell].has_cell_state else low)
