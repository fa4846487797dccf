"""Gaps a mutation audit of :mod:`rnnkit.recurrent` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch
import torch.fx

import rnnkit
from rnnkit import recurrent
from rnnkit.recurrent import Recurrent, detach_state

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class _Memory:
    """A carried state outside autograd with a ``detach`` of its own (as rnnkit.models.match carries one)."""

    def __init__(self, cut: bool = False) -> None:
        self.cut = cut

    def detach(self) -> _Memory:
        return _Memory(cut=True)


def test_detach_state_calls_the_detach_of_a_carried_memory() -> None:
    """An object that is no tensor, tuple or list but has ``detach`` is cut by its own method, not passed on."""
    cut = detach_state((torch.ones(1, requires_grad=True) * 2, _Memory()))
    assert isinstance(cut[1], _Memory) and cut[1].cut and not cut[0].requires_grad


def test_detach_state_refuses_a_state_it_cannot_cut() -> None:
    """A dict (or any state without ``detach``) is a TypeError naming its type, not returned still attached."""
    with pytest.raises(TypeError, match="cannot detach a recurrent state of type dict"):
        detach_state({"h": torch.ones(1)})


@pytest.mark.parametrize(("options", "message"), [
    ({"impl": "fast"}, r"impl must be one of \('auto', 'fused', 'reference'\), got 'fast'"),
    ({"init": "xavier"}, "init must be 'rnnkit' or 'torch', got 'xavier'"),
    ({"proj_size": 2}, "proj_size argument is only supported for LSTM, not 'mingru'"),
])
def test_a_layer_refuses_an_unknown_impl_or_init_and_a_projection_without_a_cell_state(options: dict,
                                                                                      message: str) -> None:
    """A misspelt impl or init would otherwise build a layer that runs (the fused path, rnnkit's initialisation)
    with the typo silently ignored; a projection is refused naming the cell, not torch's 'RNN or GRU'."""
    with pytest.raises(ValueError, match=message):
        Recurrent("mingru", 3, 4, **options)


def test_a_relu_clockwork_layer_says_relu_as_torch_nn_rnn_says_its_nonlinearity() -> None:
    """``layer.nonlinearity`` (torch.nn.RNN's attribute) is the cell's own option, not its torch mode's (tanh)."""
    assert Recurrent("clockwork", 3, 4, periods=[1, 2], nonlinearity="relu").nonlinearity == "relu"
    assert Recurrent("irnn", 3, 4).nonlinearity == "relu" and Recurrent("clockwork", 3, 4).nonlinearity == "tanh"


def test_hx_and_state_together_are_refused() -> None:
    """``state=`` is an alias of ``hx``: both at once is a TypeError, not one of them silently dropped."""
    h = torch.zeros(1, 2, 4)
    with pytest.raises(TypeError, match="as hx or as state, not both"):
        Recurrent("gru", 3, 4)(torch.zeros(5, 2, 3), h, state=h)


def test_lengths_with_a_packed_sequence_or_an_unbatched_input_are_refused() -> None:
    """A PackedSequence carries its lengths and an unbatched input has one sequence: ``lengths`` is an error there."""
    layer = Recurrent("gru", 3, 4)
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(5, 2, 3), torch.tensor([5, 3]))
    with pytest.raises(ValueError, match="a PackedSequence carries its own"):
        layer(packed, lengths=torch.tensor([5, 3]))
    with pytest.raises(ValueError, match="lengths are for batched input"):
        layer(torch.zeros(5, 3), lengths=torch.tensor([3]))


def test_step_takes_an_lstm_state_as_a_list_as_forward_does() -> None:
    """``[h, c]`` is read as ``(h, c)`` (torch.nn accepts both), with the same numbers."""
    torch.manual_seed(0)
    layer = Recurrent("lstm", 3, 4, num_layers=2)
    x, h, c = torch.randn(2, 3), torch.randn(2, 2, 4), torch.randn(2, 2, 4)
    out_list, (h_list, c_list) = layer.step(x, [h, c])
    out_tuple, (h_tuple, c_tuple) = layer.step(x, (h, c))
    assert torch.equal(out_list, out_tuple) and torch.equal(h_list, h_tuple) and torch.equal(c_list, c_tuple)


def test_a_drop_in_given_init_rnnkit_takes_the_cells_initialisation() -> None:
    """``rnnkit.LSTM(..., init="rnnkit")`` without cell options: the LSTM's forget bias 1.0 (half on each bias
    vector), not torch.nn's uniform initialisation that a drop-in takes by default."""
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, init="rnnkit")
    assert layer.init == "rnnkit"
    assert torch.equal(layer.bias_ih_l0[4:8].detach(), torch.full((4,), 0.5))
    assert rnnkit.LSTM(3, 4).init == "torch"


class _Wrapped(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = Recurrent("clockwork", 3, 4, periods=[1, 2])

    def forward(self, x: torch.Tensor) -> tuple:
        return self.rnn(x, time_offset=3)


def test_an_fx_trace_keeps_a_time_offset_other_than_zero() -> None:
    """The layer is one ``call_module`` node under torch.fx; a clock that starts later is one of its arguments, so the
    traced module runs the Clockwork RNN from that step (step 0 would update every module at once)."""
    module = _Wrapped()
    traced = torch.fx.symbolic_trace(module)
    (node,) = [n for n in traced.graph.nodes if n.op == "call_module"]
    assert node.kwargs == {"time_offset": 3}
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(traced(x)[0], module(x)[0], rtol=0, atol=0)


def test_config_rebuilds_the_dropout_impl_and_initialisation() -> None:
    """``Recurrent(**layer.config())`` is the same layer: the dropout between layers, the path and the scheme too."""
    layer = Recurrent("gru", 3, 4, num_layers=2, dropout=0.25, impl="reference", init="torch")
    config = layer.config()
    assert (config["dropout"], config["impl"], config["init"]) == (0.25, "reference", "torch")
    again = Recurrent(**config)
    assert (again.dropout, again.impl, again.init) == (0.25, "reference", "torch") and again.config() == config


def test_a_recurrent_layer_prints_its_cell_then_torch_nns_arguments() -> None:
    """``Recurrent('gru', 3, 4, num_layers=2)``: the cell first (the drop-ins print as torch.nn's own classes)."""
    layer = Recurrent("gru", 3, 4, num_layers=2)
    assert repr(layer) == f"Recurrent('gru', {torch.nn.GRU(3, 4, num_layers=2).extra_repr()})"


def test_every_layer_and_direction_takes_the_cells_initialisation_and_the_projection_xavier() -> None:
    """The LSTM's forget bias (0.5 on each bias vector) on every layer and both directions, and each projection
    ``weight_hr`` Xavier-uniform (bound sqrt(6 / (hidden + proj)) = 0.77), wider than torch.nn's 1/sqrt(8) = 0.35."""
    torch.manual_seed(0)
    layer = Recurrent("lstm", 3, 8, num_layers=2, bidirectional=True, proj_size=2)
    for suffix in ("l0", "l0_reverse", "l1", "l1_reverse"):
        assert torch.equal(getattr(layer, f"bias_ih_{suffix}")[8:16].detach(), torch.full((8,), 0.5)), suffix
        w_hr = getattr(layer, f"weight_hr_{suffix}").detach().abs()
        assert 8**-0.5 < w_hr.max() <= (6 / 10) ** 0.5, suffix


def test_the_lstm_runs_in_float32_under_cpu_autocast_where_the_cpu_has_no_lower_precision_kernel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a CPU without oneDNN's bf16 LSTM the fused LSTM runs in fp32 with autocast off (as autocast runs an op it has
    no kernel for): the same numbers as outside autocast, in float32."""
    monkeypatch.setattr(recurrent, "_cpu_lstm_kernel_takes", lambda dtype: False)
    torch.manual_seed(0)
    layer, x = Recurrent("lstm", 3, 4), torch.randn(5, 2, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, (h, c) = layer(x)
    assert out.dtype == h.dtype == c.dtype == torch.float32
    torch.testing.assert_close(out, layer(x)[0], rtol=0, atol=0)


def test_the_cpu_lstm_kernel_probe_says_no_when_the_kernel_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe's answer when torch's LSTM raises under autocast (oneDNN without AVX512): False, not True."""

    class _Failing:
        @staticmethod
        def lstm(*args: object) -> None:
            raise RuntimeError("no bf16 LSTM kernel on this CPU")

    monkeypatch.setattr(recurrent, "_VF", _Failing)
    assert recurrent._cpu_lstm_kernel_takes.__wrapped__(torch.bfloat16) is False


def test_resetting_an_init_torch_layer_puts_the_layer_norm_gains_at_one_and_its_shift_at_zero() -> None:
    """torch.nn's uniform initialisation is for the weights and biases; ``reset_parameters()`` (called again, after
    training moved everything) puts the layer norm back to the identity, not to torch's uniform draw."""
    torch.manual_seed(0)
    layer = Recurrent("lstm", 3, 4, layer_norm=True, init="torch")
    with torch.no_grad():
        for param in layer.parameters():
            param.fill_(3.0)
    layer.reset_parameters()
    assert layer.weight_hh_l0.abs().max() <= 0.5
    for name, blocks, value in (("ln_weight_ih", 4, 1.0), ("ln_weight_hh", 4, 1.0), ("ln_weight_c", 1, 1.0),
                                ("ln_bias_c", 1, 0.0)):
        assert torch.equal(getattr(layer, f"{name}_l0").detach(), torch.full((blocks * 4,), value)), name


@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_reference_loop_on_a_padded_batch_equals_torch_nn_on_each_sequence_alone(bidirectional: bool) -> None:
    """The step loop (impl="reference") holds the state still past each length and writes zeros there: the outputs
    and final state of each sequence are torch.nn.GRU's on that sequence cut to its length."""
    torch.manual_seed(0)
    ours = Recurrent("gru", 3, 4, bidirectional=bidirectional, impl="reference", init="torch")
    theirs = torch.nn.GRU(3, 4, bidirectional=bidirectional)
    theirs.load_state_dict(ours.state_dict())
    x, lengths = torch.randn(5, 2, 3), torch.tensor([5, 2])
    out, h = ours(x, lengths=lengths)
    assert torch.equal(out[2:, 1], torch.zeros(3, 4 * (1 + bidirectional)))
    for b, n in enumerate(lengths.tolist()):
        want_out, want_h = theirs(x[:n, b : b + 1])
        torch.testing.assert_close(out[:n, b : b + 1], want_out)
        torch.testing.assert_close(h[:, b : b + 1], want_h)


def test_the_clockwork_step_loop_starts_its_clock_at_the_time_offset_as_its_own_bptt_does() -> None:
    """impl="reference" (the step loop) and the Clockwork RNN's hand-written BPTT, both started at step 3: the same
    outputs (at step 0 every module updates, at step 3 only the period-1 and period-3 ones)."""
    torch.manual_seed(0)
    fast = Recurrent("clockwork", 3, 6, periods=[1, 2, 3])
    slow = Recurrent("clockwork", 3, 6, periods=[1, 2, 3], impl="reference")
    slow.load_state_dict(fast.state_dict())
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(slow(x, time_offset=3)[0], fast(x, time_offset=3)[0])
    assert not torch.allclose(slow(x, time_offset=3)[0], slow(x)[0])


def test_the_reverse_direction_of_a_clockwork_layer_starts_its_clock_at_zero() -> None:
    """``time_offset`` is the forward clock's start (a stream's later window); the reverse direction reads the window
    from its end and counts from 0: a one-directional layer with the reverse weights on the flipped input."""
    torch.manual_seed(0)
    both = Recurrent("clockwork", 3, 6, periods=[1, 2, 3], bidirectional=True, impl="reference")
    back = Recurrent("clockwork", 3, 6, periods=[1, 2, 3], impl="reference")
    back.load_state_dict({k.replace("_reverse", ""): v for k, v in both.state_dict().items() if "_reverse" in k})
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(both(x, time_offset=3)[0][..., 6:], back(x.flip(0))[0].flip(0))


@pytest.mark.parametrize(("name", "args"), [
    ("GRU", (3, 4, 1, True, False, 2.0, False, 3)),
    ("GRU", (3, 4, 1, True, False, 0.0, False, -1)),
    ("RNN", (3, 4, 1, "tanh", True, False, 2.0, False, 3)),
])
def test_a_positional_projection_with_another_bad_argument_fails_as_torch_nn_fails(name: str, args: tuple) -> None:
    """torch.nn checks every argument before a GRU's or RNN's projection: the drop-in raises torch's own error (a
    dropout of 2, a negative proj_size), not its refusal of the projection."""
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn, name)(*args)
    with pytest.raises(ValueError) as ours:
        getattr(rnnkit, name)(*args)
    assert str(ours.value) == str(theirs.value) and "proj_size argument" not in str(ours.value)


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("packed", [False, True])
def test_an_unsorted_batch_with_an_initial_state_equals_torch_nn(impl: str, packed: bool) -> None:
    """Lengths out of order (a PackedSequence with enforce_sorted=False, or ``lengths=``) with a given initial state:
    each sequence starts from its own row of h0 and its final state comes back in its own row, as in torch.nn."""
    torch.manual_seed(0)
    ours = Recurrent("lstm", 3, 4, impl=impl, init="torch")
    theirs = torch.nn.LSTM(3, 4)
    theirs.load_state_dict(ours.state_dict())
    x, lengths = torch.randn(5, 3, 3), torch.tensor([2, 5, 3])
    h0 = (torch.randn(1, 3, 4), torch.randn(1, 3, 4))
    want_out, (want_h, want_c) = theirs(torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False), h0)
    if packed:
        out, (h, c) = ours(torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False), h0)
        torch.testing.assert_close(out.data, want_out.data)
    else:
        out, (h, c) = ours(x, h0, lengths=lengths)
        torch.testing.assert_close(out, torch.nn.utils.rnn.pad_packed_sequence(want_out)[0])
    torch.testing.assert_close(h, want_h)
    torch.testing.assert_close(c, want_c)


@pytest.mark.parametrize("shape", [(5,), (5, 2, 3, 1)])
def test_an_input_neither_2d_nor_3d_fails_with_torch_nns_error(shape: tuple) -> None:
    """A 1-D or 4-D input: torch.nn.GRU's ValueError, word for word."""
    with pytest.raises(ValueError) as theirs:
        torch.nn.GRU(3, 4)(torch.zeros(shape))
    with pytest.raises(ValueError) as ours:
        rnnkit.GRU(3, 4)(torch.zeros(shape))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(("batch_first", "x", "h"), [
    (True, (2, 0, 3), None),  # no steps, batch first
    (False, (0, 2, 3), None),
    (True, (0, 5, 3), None),  # no sequences, batch first
    (False, (5, 2, 3), (2, 4)),  # a 2-D state for a batched input
    (False, (5, 3), (1, 1, 4)),  # a 3-D state for an unbatched input
    (False, (5, 3), (4,)),  # a 1-D one
    (True, (5, 3), (1, 4)),  # unbatched, batch first
    (True, (2, 5, 3), (1, 2, 4)),
])
def test_shapes_and_errors_of_edge_inputs_are_torch_nns(batch_first: bool, x: tuple, h: tuple | None) -> None:
    """Empty sequences or batches, states of the wrong rank, unbatched input with batch_first: torch.nn.GRU's error
    word for word, or its output and state (shapes and numbers, with the same weights)."""
    torch.manual_seed(0)
    theirs, ours = torch.nn.GRU(3, 4, batch_first=batch_first), rnnkit.GRU(3, 4, batch_first=batch_first)
    ours.load_state_dict(theirs.state_dict())
    inputs = (torch.randn(x), None if h is None else torch.randn(h))
    try:
        want = theirs(*inputs)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as caught:
            ours(*inputs)
        assert str(caught.value) == str(error)
        return
    got = ours(*inputs)
    for a, b in zip(got, want, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b)


def test_lengths_with_batch_first_are_the_lengths_of_the_rows() -> None:
    """``lengths`` counts steps along dim 1 of a batch-first input: the same as the time-major call, transposed."""
    torch.manual_seed(0)
    first, major = Recurrent("gru", 3, 4, batch_first=True), Recurrent("gru", 3, 4)
    major.load_state_dict(first.state_dict())
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 4])
    out, h = first(x, lengths=lengths)
    want_out, want_h = major(x.transpose(0, 1), lengths=lengths)
    torch.testing.assert_close(out, want_out.transpose(0, 1))
    torch.testing.assert_close(h, want_h)


def test_uses_fused_follows_the_impl_the_cell_and_the_regularisers_in_the_current_mode() -> None:
    """torch's kernel for "auto" and "fused" on a fused cell; never for "reference" or a cell without a kernel; and
    for a recurrent dropout (in the loop while training) only in evaluation."""
    assert Recurrent("gru", 3, 4).uses_fused() and Recurrent("gru", 3, 4, impl="fused").uses_fused()
    assert not Recurrent("gru", 3, 4, impl="reference").uses_fused() and not Recurrent("mingru", 3, 4).uses_fused()
    layer = Recurrent("lstm", 3, 4, recurrent_dropout=0.5)
    assert not layer.train().uses_fused() and layer.eval().uses_fused()


def test_step_refuses_an_lstm_state_of_one_tensor_in_a_tuple_as_torch_does() -> None:
    """``(h,)`` for the LSTM: torch's "lstm expects two hidden states", not a shape complaint about a missing c."""
    with pytest.raises(RuntimeError, match="lstm expects two hidden states"):
        Recurrent("lstm", 3, 4).step(torch.zeros(2, 3), (torch.zeros(1, 2, 4),))


def test_tracing_the_clockwork_step_loop_warns_that_it_is_unrolled() -> None:
    """impl="reference" traces the step loop, not the Clockwork RNN's own BPTT: a TracerWarning that the graph runs
    the traced length only."""
    layer = Recurrent("clockwork", 3, 4, periods=[1, 2], impl="reference")
    with pytest.warns(torch.jit.TracerWarning, match="traced unrolled over the 5 steps"):
        torch.jit.trace(layer, torch.zeros(5, 2, 3), check_trace=False)


def test_the_fused_path_pads_a_batch_shorter_than_its_input_to_the_full_length() -> None:
    """Every length below the padded length: the output keeps all T steps (zeros past each length), as the
    reference path does, not the longest length's."""
    torch.manual_seed(0)
    fused, loop = Recurrent("gru", 3, 4), Recurrent("gru", 3, 4, impl="reference")
    loop.load_state_dict(fused.state_dict())
    x, lengths = torch.randn(5, 2, 3), torch.tensor([3, 2])
    out = fused(x, lengths=lengths)[0]
    assert out.shape == (5, 2, 4)
    torch.testing.assert_close(out, loop(x, lengths=lengths)[0])


def test_weight_drop_drops_the_recurrent_weights_on_the_step_loop_in_training() -> None:
    """DropConnect on W_hh with impl="reference" while training: not the evaluation's (undropped) numbers."""
    torch.manual_seed(0)
    layer, x = Recurrent("lstm", 3, 4, weight_drop=0.9, impl="reference"), torch.randn(5, 2, 3)
    assert not torch.allclose(layer.train()(x)[0], layer.eval()(x)[0])
