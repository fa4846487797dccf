"""Running cells over time: layers, stacking, directions, padded lengths, state, and the fast paths.

:class:`Recurrent` is a drop-in for ``torch.nn.LSTM`` / ``GRU`` / ``RNN`` that also runs the IRNN and the
Clockwork RNN. It subclasses ``torch.nn.RNNBase``, so its parameters carry torch.nn's names and layout
(``weight_ih_l0``, ``weight_hh_l1_reverse``, ...), state dicts move both ways, and ``flatten_parameters``
and device moves behave as torch's own; :class:`LSTM`, :class:`GRU` and :class:`RNN` also derive from
torch.nn's class of the same name (``isinstance`` holds).

Two paths compute the same thing:

- **fused**: torch's own sequence kernels (``_VF.lstm``, ``_VF.gru``, ``_VF.rnn_tanh``, ``_VF.rnn_relu``;
  cuDNN on a GPU) for the standard cells, called exactly as torch.nn does (no wrapper overhead). Padded
  batches go through ``pack_padded_sequence``.
- **reference**: the cell's one-step math (``Cell.step``) in a loop over time, per layer and direction.
  The input projection of all time steps is one matrix product; only the recurrent product stays in
  the loop. The reverse direction reverses each sequence within its own length, runs forwards and
  reverses back, so padding is never read and the final state is taken at each sequence's own end.

A family without a torch kernel may bring a fast path of its own (``Cell.sequence``: the Clockwork RNN's
hand-written BPTT, the scans of minGRU and minLSTM), tested against its step loop. A family without
recurrent weights (``Cell.recurrent`` False) has no ``weight_hh``/``bias_hh`` parameters at all.
``impl="auto"`` (default) takes the fastest path the cell has; ``"reference"`` forces the plain step loop.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import warnings
from typing import Any, NoReturn, overload

import torch
from torch import _VF, Tensor, nn
from torch.fx import Proxy
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnkit import export_loop
from rnnkit.cells import CELLS, State, make_cell, refuse_unused_options, unused_options
from rnnkit.cells.base import (
    TORCH_NONLINEARITY,
    check_state_dtype,
    given_state,
    nonlinearity_of,
    rebuilt_cell,
    step_clock,
)
from rnnkit.dropout import dropout
from rnnkit.init import initialize_
from rnnkit.regularisers import (
    LN_PARAMETERS,
    Regularisers,
    add_layer_norm,
    reset_layer_norm,
    run_regularised,
    runs_bptt,
    step_regularised,
)

__all__ = ["GRU", "LSTM", "RNN", "Recurrent", "detach_state", "reverse_padded", "stack_parameters"]

IMPLS = ("auto", "fused", "reference")
#: torch's one-step kernels of the fused cells (what torch.nn.LSTMCell and friends call)
_STEP_KERNELS = {"lstm": _VF.lstm_cell, "gru": _VF.gru_cell, "rnn_tanh": _VF.rnn_tanh_cell,
                 "rnn_relu": _VF.rnn_relu_cell}


#: what ``torch.compile(..., fullgraph=True)`` of a model holding the layer says (torch.nn's RNNs refuse it too); it
#: said "Attempted to call function marked as skipped ... `disable`" and asked for an issue to PyTorch
_OUTSIDE_GRAPH = ("{kind}: rnnkit's recurrent layers run eagerly between torch.compile's graphs, as torch.nn's RNN, "
                  "GRU and LSTM do unless torch._dynamo.config.allow_rnn is set, so a model holding one cannot "
                  "compile with fullgraph=True; compile it without fullgraph")


#: :func:`_outside_graph`'s functions, made once (a dict: Dynamo warned at every compile of a functools.cache)
_EAGER: dict[Any, Any] = {}


def _outside_graph(fn: Any) -> Any:
    """``fn`` as ``torch.compiler.disable`` makes it: torch.compile runs the layer eagerly between compiled
    graphs, as it runs torch.nn's RNNs (Dynamo's ``allow_rnn=False``, its default), since the fused kernels fail
    under AOT autograd on the CPU and tracing the step loops would unroll them once per sequence length. Made on
    the first compiled call, not as a decorator: that imports Dynamo, about half of ``import rnnkit``'s time.
    With ``allow_rnn`` set (by the user, or by ``torch.export.export(..., strict=True)``) the layer is traced
    into the graph, as torch.nn's RNNs then are: strict export refused rnnkit's layers and took torch.nn's."""
    if fn not in _EAGER:
        _EAGER[fn] = torch.compiler.disable(fn)
    return _EAGER[fn]


@functools.cache
def _cpu_lstm_kernel_takes(dtype: torch.dtype) -> bool:
    """Whether torch's fused LSTM runs under CPU autocast to ``dtype`` on this machine. oneDNN has no bf16
    LSTM kernel for CPUs without AVX512 (torch.nn.LSTM fails there under autocast), so ask it once, in float32
    whatever the default dtype (asked in float64, which autocast leaves alone, it said yes for good)."""
    x, h = torch.zeros(2, 1, 1, dtype=torch.float32), torch.zeros(1, 1, 1, dtype=torch.float32)
    weights = [torch.zeros(shape, dtype=torch.float32) for shape in ((4, 1), (4, 1), (4,), (4,))]
    try:
        with torch.autocast("cpu", dtype=dtype):
            _VF.lstm(x, (h, h), weights, True, 1, 0.0, False, False, False)
    except RuntimeError:
        return False
    return True


def _in_func_transform() -> bool:
    """Whether a ``torch.func`` transform (``grad``, ``vmap``, ``jacrev`` ...) is running this call."""
    return torch._C._functorch.peek_interpreter_stack() is not None


def detach_state(state: Any) -> Any:
    """The same state cut from the graph (truncated BPTT carries it to the next window): a tensor, a
    tuple or list of them (the LSTM's ``(h, c)``, per-layer states), or None."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    if callable(getattr(state, "detach", None)):  # a carried memory outside autograd (rnnkit.models.match)
        return state.detach()
    raise TypeError(f"cannot detach a recurrent state of type {type(state).__name__}")


def _stack(parts: list[Tensor]) -> Tensor:
    """Per-layer states (B, H) as one (L, B, H) tensor; a view for one layer (no copy per step)."""
    return parts[0].unsqueeze(0) if len(parts) == 1 else torch.stack(parts)


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse time-major ``x`` (T, B, ...) within each sequence's length; steps past a length stay put."""
    if lengths is None:
        return x.flip(0)
    T = x.shape[0]
    t = torch.arange(T, device=x.device).unsqueeze(1)
    lens = lengths.to(x.device).unsqueeze(0)
    idx = torch.where(t < lens, lens - 1 - t, t)
    idx = idx.view(T, -1, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(0, idx)


def stack_parameters(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, *, bias: bool = True,
                     bidirectional: bool = False, proj_size: int = 0, layer_norm: bool = False) -> int:
    """The number of parameters of ``Recurrent(cell, input_size, hidden_size, num_layers, ...)``, counted
    from the sizes alone (nothing is built: a size that could not be built is counted in no time)."""
    family = CELLS[cell]
    rows, out = family.gates * hidden_size, proj_size or hidden_size
    per_direction = rows * out * family.recurrent + rows * bias * (1 + family.recurrent) + proj_size * hidden_size
    if layer_norm:
        per_direction += sum(blocks for _, blocks, _ in LN_PARAMETERS) * hidden_size
    directions = 2 if bidirectional else 1
    inputs = input_size + (num_layers - 1) * out * directions  # what the layers' W_ih read, all together
    return directions * (num_layers * per_direction + rows * inputs)


class Recurrent(nn.RNNBase):
    """A stack of recurrent layers of one family, with torch.nn.LSTM's call contract.

    ``Recurrent(cell, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None, *, impl="auto", init="rnnkit",
    cell_options=None, **options)``: after ``cell`` (``"rnn_tanh"``, ``"rnn_relu"``, ``"irnn"``, ``"lstm"``,
    ``"gru"``, ``"clockwork"``, ``"mingru"``, ``"minlstm"``, any name of :data:`rnnkit.cells.CELLS`) the
    arguments are torch.nn.LSTM's, in its order. ``forward(input, hx=None, lengths=None)`` takes a tensor
    (T, B, I) (batch first if asked), an unbatched (T, I) one or a ``PackedSequence``, and returns ``(output, h_n)`` or
    ``(output, (h_n, c_n))`` for the LSTM, exactly as torch.nn does (a ``PackedSequence`` out for one in).
    ``lengths`` (B,) marks a padded batch instead: outputs past a length are zero and the final state is
    each sequence's own last step, in both directions. ``state=`` is an alias of ``hx``.

    Cell options (keywords, or a ``cell_options`` dict): ``forget_bias`` (LSTM, 1.0) or ``chrono`` (LSTM,
    chrono initialisation up to T steps), ``identity_scale`` / ``input_std`` (IRNN), ``periods`` /
    ``num_modules`` / ``nonlinearity`` (Clockwork), ``scan`` (minGRU, minLSTM: ``"auto"``, ``"parallel"``,
    ``"sequential"``), ``init_ih`` / ``init_hh`` / ``bias_init`` (initialiser
    names, see :mod:`rnnkit.init`). ``init="torch"`` starts every parameter as torch.nn does
    (uniform ±1/√hidden_size) instead of the cell's own scheme, so it takes none of the options that set initial
    values alone (``forget_bias``, ``chrono``, the IRNN's, the initialisers): one given at a value other than its
    default is a ValueError naming both, as a bias's option (``forget_bias``, ``chrono``, ``bias_init``) is with
    ``bias=False``, and ``init_hh`` for a cell without recurrent weights (minGRU, minLSTM). A default is taken (the
    layer is the same without it), so that a config saved before these were refused still rebuilds its layer.

    Regularisers (keywords, all off by default; :mod:`rnnkit.regularisers`): ``weight_drop`` (DropConnect
    on W_hh, keeps the fused kernel), ``recurrent_dropout`` (one mask per sequence on h_{t-1}),
    ``zoneout`` (a rate, or ``(cell, hidden)`` rates for the LSTM) and ``layer_norm`` (the
    layer-normalised LSTM).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        impl: str = "auto",
        init: str = "rnnkit",
        cell_options: dict[str, Any] | None = None,
        weight_drop: float = 0.0,
        recurrent_dropout: float = 0.0,
        zoneout: float | tuple[float, float] = 0.0,
        layer_norm: bool = False,
        **options: Any,
    ) -> None:
        if twice := sorted(set(cell_options or ()) & set(options)):  # f(**a, **b)'s TypeError: one silently won
            raise TypeError(f"Recurrent() got multiple values for cell option {twice[0]!r} (in cell_options and as a "
                            "keyword)")
        if not isinstance(hidden_size, int) or hidden_size <= 0:  # torch.nn's error, in its order, before a cell
            # reads it (the Clockwork RNN's modules: "periods must be positive integers, got []" for 0): a throwaway
            # RNNBase, which raises before it allocates anything
            nn.RNNBase("LSTM", input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                       dropout=dropout, bidirectional=bidirectional, proj_size=proj_size)
        definition = make_cell(cell, hidden_size, **{**(cell_options or {}), **options})
        reg = Regularisers.build(definition, proj_size, impl, weight_drop=weight_drop,
                                 recurrent_dropout=recurrent_dropout, zoneout=zoneout, layer_norm=layer_norm)
        if impl not in IMPLS:
            raise ValueError(f"impl must be one of {IMPLS}, got {impl!r}")
        if impl == "fused" and not definition.fusable():
            raise ValueError(f"cell {cell!r} has no fused kernel in torch; use impl='auto' or 'reference'")
        if init not in ("rnnkit", "torch"):
            raise ValueError(f"init must be 'rnnkit' or 'torch', got {init!r}")
        refuse_unused_options(definition, init, bias, {**(cell_options or {}), **options})
        if proj_size and not definition.has_cell_state:
            raise ValueError(f"proj_size argument is only supported for LSTM, not {cell!r}")
        # set before RNNBase.__init__, which calls reset_parameters()
        object.__setattr__(self, "cell_def", definition)
        object.__setattr__(self, "impl", impl)
        object.__setattr__(self, "init", init)
        object.__setattr__(self, "reg", reg)
        # RNNBase's by name: rnnkit.LSTM also derives from nn.LSTM, whose __init__ takes no mode
        nn.RNNBase.__init__(
            self, definition.torch_mode, input_size, hidden_size, num_layers=num_layers, bias=bias,
            batch_first=batch_first, dropout=dropout, bidirectional=bidirectional, proj_size=proj_size,
            device=device, dtype=dtype,
        )
        if definition.gates * hidden_size != self.weight_ih_l0.shape[0] or not definition.recurrent:
            self._own_layout()
        self.cell = cell
        if reg.layer_norm:
            add_layer_norm(self)
        nonlinearity = nonlinearity_of(definition)
        if nonlinearity is not None:
            self.nonlinearity = nonlinearity

    def _own_layout(self) -> None:
        """The cell's own parameter shapes where torch.nn's for its mode differ: another number of gate
        blocks, or no recurrent weights at all (``Cell.recurrent`` False: no weight_hh / bias_hh)."""
        rows, drop = self.cell_def.gates * self.hidden_size, () if self.cell_def.recurrent else ("weight_hh", "bias_hh")
        for name in self._flat_weights_names:
            kind, old = name.split("_l")[0], getattr(self, name)  # "weight_ih_l0_reverse" -> "weight_ih"
            if kind in drop:
                delattr(self, name)
            elif kind != "weight_hr":
                setattr(self, name, nn.Parameter(old.new_empty((rows, *old.shape[1:]))))
        self._all_weights = [[n for n in names if n.split("_l")[0] not in drop] for names in self._all_weights]
        self._flat_weights_names = [n for names in self._all_weights for n in names]
        self._init_flat_weights()
        self.reset_parameters()

    # -- pickling -----------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """torch.nn's state, with the cell and the regularisers as the plain values that rebuild them (their
        options, as :meth:`config` gives them), so that ``torch.load(path, weights_only=True)`` of a saved layer
        needs its own class alone in ``safe_globals``, as torch.nn.LSTM does: it needed the cell's class and
        :class:`~rnnkit.regularisers.Regularisers` too, and for the Clockwork RNN ``getattr`` (its activation,
        ``torch.tanh``), which no one should allow."""
        state = super().__getstate__()
        state["cell_def"], state["reg"] = self.cell_def.options(), self.reg.options()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """:meth:`__getstate__`'s state, the cell and the regularisers rebuilt from their options; a layer pickled
        by an older rnnkit holds them as objects, and keeps them."""
        if isinstance(state.get("cell_def"), dict):
            cell = rebuilt_cell(state["cell"], state["hidden_size"], state["cell_def"])
            reg = Regularisers.build(cell, state["proj_size"], state["impl"], **state["reg"])
            state = {**state, "cell_def": cell, "reg": reg}
        super().__setstate__(state)

    # -- configuration ----------------------------------------------------------------------------
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Features per time step of the output: (proj_size or hidden_size) times the directions."""
        return (self.proj_size or self.hidden_size) * self.num_directions

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this layer: ``Recurrent(**layer.config())``."""
        return {
            "cell": self.cell,
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bias": self.bias,
            "batch_first": self.batch_first,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
            "proj_size": self.proj_size,
            "impl": self.impl,
            "init": self.init,
            **{k: v for k, v in self.cell_def.options().items() if k not in unused_options(self.cell_def, self.init,
                                                                                          self.bias)},
            **self.reg.options(),
        }

    def extra_repr(self) -> str:
        """The cell and torch.nn's arguments, then each option of :meth:`config` not at its default (``impl``,
        ``init``, the cell's options, the regularisers), so that ``print(model)`` shows a layer with zoneout or on
        the step loop as such (it printed ``Recurrent('lstm', 3, 4)`` for either), and the line rebuilds it."""
        defaults = {"impl": "auto", "init": "rnnkit", **make_cell(self.cell, self.hidden_size).options()}
        torch_args = {"cell", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                      "bidirectional", "proj_size"}
        options = [f"{k}={v!r}" for k, v in self.config().items()
                   if k not in torch_args and (k not in defaults or defaults[k] != v)]
        return ", ".join([f"{self.cell!r}", super().extra_repr(), *options])

    def reset_parameters(self) -> None:
        """Initialise every layer and direction as the cell family prescribes (or as torch.nn does)."""
        if self.weight_ih_l0.shape[0] != self.cell_def.gates * self.hidden_size:
            return  # torch.nn's layout inside RNNBase.__init__: _own_layout replaces it, then initialises
        if self.init == "torch":
            super().reset_parameters()
            reset_layer_norm(self)
            return
        for layer in range(self.num_layers):
            for direction in range(self.num_directions):
                w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer, direction)
                self.cell_def.reset_parameters(w_ih, w_hh, b_ih, b_hh)
                w_hr = self.projection(layer, direction)
                if w_hr is not None:
                    with torch.no_grad():
                        initialize_(w_hr, "xavier_uniform")

    def flatten_parameters(self) -> None:
        """torch.nn's (one cuDNN weight buffer) for the cells on torch's fused kernels; a no-op for the
        others, whose layout cuDNN may not know (minGRU's two gate blocks)."""
        if self.cell_def.fusable():
            super().flatten_parameters()

    def uses_fused(self) -> bool:
        """True when forward runs torch's fused kernel (in the current training or eval mode)."""
        return self.impl != "reference" and self.cell_def.fusable() and not self.reg.in_loop(self.training)

    def _own_loops(self) -> bool:
        """Whether the cell's own sequence functions (hand-written BPTT, scans: autograd Functions) may run: not
        with ``impl="reference"``, and not under the TorchScript-based ONNX export, which inlines a Function's
        forward and loses its in-place writes (the file computed other numbers, silently); the step loop then,
        except for a cell whose sequence runs plain operations there (``Cell.exports_sequence``: minGRU, minLSTM;
        not under the dynamo-based exporter, which is no trace and keeps the scan's traced count of rounds). Nor
        under ``torch.export``, which refused their ``out=`` writes ("functions with out=... arguments don't support
        automatic differentiation"), strict or not, where it takes the step loop. Nor under a ``torch.func`` transform
        (``grad``, ``vmap``, ``jacrev`` ...), which refused those Functions ("must override the setup_context
        staticmethod"): the step loop is plain operations, which the transforms take."""
        if self.impl == "reference" or torch.compiler.is_exporting() or _in_func_transform():
            return False
        return not torch.onnx.is_in_onnx_export() or self.cell_def.exports_sequence and torch.jit.is_tracing()

    def layer_weights(
        self, layer: int, direction: int = 0
    ) -> tuple[Tensor, Tensor | None, Tensor | None, Tensor | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction (1 = reverse); weight_hh and
        bias_hh are None for a cell without recurrent weights."""
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}", None)  # None: a cell without W_hh (minGRU ...)
        if not self.bias:
            return w_ih, w_hh, None, None
        return (w_ih, w_hh, getattr(self, f"bias_ih_l{layer}{suffix}"),
                getattr(self, f"bias_hh_l{layer}{suffix}", None))

    def projection(self, layer: int, direction: int = 0) -> Tensor | None:
        """The LSTM's projection ``weight_hr`` of one layer and direction, or None without ``proj_size``."""
        if not self.proj_size:
            return None
        return getattr(self, f"weight_hr_l{layer}{'_reverse' if direction == 1 else ''}")

    def _flat_layer(
        self, layer: int, direction: int = 0, flat: list[Tensor] | None = None
    ) -> tuple[Tensor, Tensor | None, Tensor | None, Tensor | None, Tensor | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr) of one layer and direction, taken from the
        flat list the forward works on (``_flat_weights``, refreshed at its start; or ``flat``): read
        once per call, so a parametrization (weight norm, spectral norm) runs once per forward, as in
        torch.nn."""
        flat = self._flat_weights if flat is None else flat
        per = len(flat) // (self.num_layers * self.num_directions)  # tensors of one layer and direction
        k = layer * self.num_directions + direction
        w_ih, *rest = flat[k * per : (k + 1) * per]
        w_hh = rest.pop(0) if self.cell_def.recurrent else None
        b_ih, b_hh = (rest[0], rest[1] if self.cell_def.recurrent else None) if self.bias else (None, None)
        return w_ih, w_hh, b_ih, b_hh, rest[-1] if self.proj_size else None

    # -- torch.nn's checks, for every cell --------------------------------------------------------
    get_expected_cell_size = nn.LSTM.get_expected_cell_size

    def check_forward_args(self, input: Tensor, hidden: State, batch_sizes: Tensor | None) -> None:  # type: ignore[override]
        if self.cell_def.has_cell_state:
            nn.LSTM.check_forward_args(self, input, hidden, batch_sizes)  # type: ignore[arg-type]
        else:
            super().check_forward_args(input, hidden, batch_sizes)  # type: ignore[arg-type]
        check_state_dtype(self._kind, input, self._state_parts(hidden)[0])

    def permute_hidden(self, hx: State, permutation: Tensor | None) -> State:  # type: ignore[override]
        if permutation is None:
            return hx
        if self.cell_def.has_cell_state:
            return tuple(h.index_select(1, permutation) for h in hx)
        return hx.index_select(1, permutation)  # type: ignore[union-attr]

    def _zero_state(self, batch: int | Tensor, like: Tensor) -> State:
        shape = (self.num_layers * self.num_directions, batch, self.proj_size or self.hidden_size)
        h = torch.zeros(shape, dtype=like.dtype, device=like.device)
        if not self.cell_def.has_cell_state:
            return h
        return h, torch.zeros(shape[:2] + (self.hidden_size,), dtype=like.dtype, device=like.device)

    # -- forward ----------------------------------------------------------------------------------
    def forward(  # type: ignore[override]
        self,
        input: Tensor | PackedSequence,
        hx: State | None = None,
        lengths: Tensor | None = None,
        state: State | None = None,
        time_offset: int = 0,
    ) -> tuple[Tensor | PackedSequence, State]:
        """Run the stack; see the class docstring. ``time_offset`` starts the clock of the Clockwork RNN
        at a later step (truncated BPTT over a stream; an integer, negative too, or a 0-d integer tensor: the
        clock a trace takes as an input); other cells ignore it. (``state`` and ``time_offset`` may also come
        by position: torch's legacy ONNX exporter passes every argument so.)"""
        if torch.compiler.is_compiling() and not torch._dynamo.config.allow_rnn:  # see _outside_graph
            torch._dynamo.graph_break(msg=_OUTSIDE_GRAPH.format(kind=self._kind))
            return _outside_graph(Recurrent._forward)(self, input, hx, lengths, state, time_offset)
        return self._forward(input, hx, lengths, state, time_offset)

    def _forward(self, input: Tensor | PackedSequence, hx: State | None, lengths: Tensor | None,
                 state: State | None, time_offset: int) -> tuple[Tensor | PackedSequence, State]:
        if isinstance(input, Proxy):
            leaf = self._fx_leaf(input, hx, lengths, state, time_offset)
            if leaf is not None:
                return leaf
        time_offset = self._clock("time_offset", time_offset)
        hx = given_state(hx, state)
        self._update_flat_weights()
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError("lengths are for a padded tensor; a PackedSequence carries its own")
            return self._forward_packed(input, self._read_state(hx), time_offset)
        if input.dim() not in (2, 3):
            shape = " tensor" if self.cell_def.torch_mode in TORCH_NONLINEARITY else ""  # torch's wording, per class
            raise ValueError(f"{self._kind}: Expected input to be 2D or 3D, got {input.dim()}D{shape} instead")
        hx = self._read_state(hx)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            hx = self._unbatched_state(hx)
            if lengths is not None:
                raise ValueError("lengths are for batched input")
        elif hx is not None:
            self._check_batched_state(hx)
        batch = input.shape[0] if self.batch_first else input.shape[1]
        hx = self._zero_state(batch, input) if hx is None else hx
        self.check_forward_args(input, hx, None)
        if input.shape[1 if self.batch_first else 0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        if lengths is not None:
            lengths = self._check_lengths(lengths, batch, input.shape[1 if self.batch_first else 0])
            if batch == 0:  # no sequences to pack: the same as unpadded (and torch cannot pack none)
                lengths = None
        if self.uses_fused():
            output, hx = self._forward_fused(input, hx, lengths)
        else:
            self._warn_if_traced(input.shape[1 if self.batch_first else 0])
            x = input.transpose(0, 1) if self.batch_first else input
            output, hx = self._forward_reference(x, hx, lengths, time_offset)
            output = output.transpose(0, 1) if self.batch_first else output
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hx = tuple(h.squeeze(1) for h in hx) if isinstance(hx, tuple) else hx.squeeze(1)
        return output, hx

    def _fx_leaf(self, input: Proxy, hx: Any, lengths: Any, state: Any, time_offset: Any) -> Any:
        """Under ``torch.fx.symbolic_trace``: the call as one ``call_module`` node, as FX records torch.nn's RNNs
        (it keeps torch.nn's modules as leaves by their ``__module__``; this layer's input checks would stop
        a trace through it). None for the traced root itself, traced through as torch.nn's would be."""
        tracer = input.tracer
        path = tracer.path_of_module(self)
        if not path:
            return None
        args = (input,) if hx is None else (input, hx)
        kwargs = {name: value for name, value in (("lengths", lengths), ("state", state)) if value is not None}
        if not (isinstance(time_offset, int) and time_offset == 0):
            kwargs["time_offset"] = time_offset
        return tracer.create_proxy("call_module", path, args, kwargs)

    def _warn_if_traced(self, steps: int) -> None:
        """Under ``torch.jit.trace`` (and the TorchScript-based ONNX export), a ``TracerWarning`` that the step
        loop is recorded unrolled over this input's ``steps``: torch's fused kernels, which torch.nn's RNNs
        trace to, take any length, the loop does not (its traced graph refuses another length). None for a cell
        whose own sequence function is traced as one call, which takes any length too (the Clockwork RNN's, the
        hand-written BPTT of the regularised GRU and Elman RNN)."""
        if not torch.jit.is_tracing() or export_loop.takes_over(self):
            return
        if runs_bptt(self) if self.reg.in_loop(self.training) else \
                self._own_loops() and self.cell_def.traces_any_length():
            return
        why = "impl='reference'" if self.impl == "reference" else "the TorchScript-based ONNX export" if \
            torch.onnx.is_in_onnx_export() else (
            f"cell {self.cell!r} has no fused torch kernel" if not self.cell_def.fusable()
            else "its regularisers run in the loop")
        warnings.warn(f"{self._kind}: rnnkit's step loop ({why}) is traced unrolled over the {steps} steps of "
                      "this input, so the traced graph runs sequences of exactly that length; impl='auto' on "
                      f"a cell with a fused kernel ({', '.join(_STEP_KERNELS)}) traces torch's kernel, which "
                      "takes any length", torch.jit.TracerWarning, stacklevel=2)

    def _as_state(self, hx: State | list[Tensor] | None) -> State | None:
        """An LSTM's ``[h, c]`` as the tuple torch.nn also accepts; more or fewer than two refused as torch
        refuses them."""
        if isinstance(hx, list):
            hx = tuple(hx)
        if isinstance(hx, tuple) and self.cell_def.has_cell_state and len(hx) != 2:
            raise RuntimeError("lstm expects two hidden states")
        return hx

    def _read_state(self, hx: State | list[Tensor] | None) -> State | None:
        """``forward``'s initial state read as torch.nn reads it: an LSTM's as ``(hx[0], hx[1])`` (a tuple, a
        list ``[h, c]``, or one tensor stacking the two), so that a lone ``h`` fails on its rank or its
        missing second row with torch's own error; any other cell's as one tensor, so that a tuple or list
        fails on its first use (``hx.dim()``), again as in torch.nn."""
        if hx is None or not self.cell_def.has_cell_state:
            return hx
        if isinstance(hx, (tuple, list)) and len(hx) > 2:
            raise RuntimeError("lstm expects two hidden states")
        return hx[0], hx[1]

    def __prepare_scriptable__(self) -> NoReturn:
        """``torch.jit.script`` asks this of every module of what it compiles: one line saying that TorchScript is
        not supported, instead of its compile error deep inside this layer (torch.nn's RNNs script)."""
        raise NotImplementedError(f"{self._kind}: torch.jit.script (TorchScript) is not supported by rnnkit's "
                                  "layers; torch.jit.trace and torch.onnx.export are (see TORCH_COMPAT.md)")

    def _clock(self, name: str, value: object) -> int | Tensor:
        """A clock (``forward``'s ``time_offset``, ``step``'s ``t``) as an int, or the 0-d integer tensor it is;
        else a TypeError naming ``name``, on every path: ``time_offset="3"`` ran on torch's kernels and the
        scans, which ignore it, and failed in the Clockwork RNN's loop ("unsupported operand type(s) for +"),
        and 2.5 froze its state (no step was a multiple of a period)."""
        if isinstance(value, Tensor):
            if value.dim() == 0 and not (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
                return value
            shown = f"a {value.dtype} tensor of shape {tuple(value.shape)}"
        else:
            if not isinstance(value, bool):  # True is no step number (numpy's integers are)
                with contextlib.suppress(TypeError):
                    return operator.index(value)  # type: ignore[arg-type]
            shown = repr(value)
        raise TypeError(f"{self._kind}: {name} takes an integer (an int or a 0-d integer tensor), not {shown}")

    @property
    def _kind(self) -> str:
        return type(self).__name__ if type(self) is not Recurrent else self.cell

    def _state_parts(self, hx: State) -> tuple[Tensor, ...]:
        """The tensors of a state read by :meth:`_read_state`: (h, c) for the LSTM, else (hx,)."""
        return hx if self.cell_def.has_cell_state else (hx,)  # type: ignore[return-value]

    def _unbatched_state(self, hx: State | None) -> State | None:
        if hx is None:
            return None
        parts = self._state_parts(hx)
        if any(h.dim() != 2 for h in parts):
            raise RuntimeError(f"For unbatched 2-D input, {_state_dims(parts, 2)}")
        return tuple(h.unsqueeze(1) for h in parts) if self.cell_def.has_cell_state else hx.unsqueeze(1)

    def _check_batched_state(self, hx: State) -> None:
        parts = self._state_parts(hx)
        if any(h.dim() != 3 for h in parts):
            raise RuntimeError(f"For batched 3-D input, {_state_dims(parts, 3)}")

    @staticmethod
    def _check_lengths(lengths: Tensor, batch: int, steps: int) -> Tensor:
        """``lengths`` as int64, refused in one line unless it holds ``batch`` integers in 1..``steps``: a float
        tensor was cut to integers without a word (2.7 ran 2 steps), as pack_padded_sequence casts it."""
        expected = "lengths must be integers (a 1-D integer tensor, as pack_padded_sequence's int64 lengths: " \
                   "lengths.long() of whole numbers)"
        try:
            lengths = torch.as_tensor(lengths)
        except (TypeError, ValueError, RuntimeError):  # a string: torch's "new(): invalid data type 'str'"
            raise TypeError(f"{expected}, got {lengths!r}") from None
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise TypeError(f"{expected}, got a {lengths.dtype} tensor")
        if lengths.dim() != 1 or lengths.shape[0] != batch:
            raise ValueError(f"lengths must be a 1-D tensor of {batch} entries, got shape {tuple(lengths.shape)}")
        if batch == 0:
            return lengths.long()
        lo, hi = int(lengths.min()), int(lengths.max())
        if lo < 1 or hi > steps:
            raise ValueError(f"lengths must lie in 1..{steps} (the padded length), got {lo}..{hi}")
        return lengths.long()

    def _kernel_call(self, data: Tensor, batch_sizes: Tensor | None, hx: State) -> tuple[Tensor, State]:
        """torch's fused sequence kernel, called exactly as torch.nn does."""
        kernel = getattr(_VF, self.cell_def.fused_kernel)  # type: ignore[arg-type]
        weights = self.reg.flat_weights(self)  # W_hh with DropConnect in training (weight_drop)
        if self.cell_def.fused_kernel == "lstm" and data.device.type == "cpu" and torch.is_autocast_enabled("cpu") \
                and data.dtype != torch.float64 and not _cpu_lstm_kernel_takes(torch.get_autocast_dtype("cpu")):
            # no lower-precision LSTM kernel on this CPU: run it in fp32, as autocast runs any op it has none for
            # (float64, which autocast leaves alone, runs as it is)
            data, hx, weights = data.float(), tuple(h.float() for h in hx), [w.float() for w in weights]
            with torch.autocast("cpu", enabled=False):
                return self._run_kernel(kernel, data, batch_sizes, hx, weights)
        if data.is_cuda and weights is not self._flat_weights:
            # cuDNN copies DropConnect's fresh W_hh into its weight buffer at every call and warns that
            # flatten_parameters() would help, which it cannot (fastai's WeightDropout silences it alike)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", _UNCOMPACTED, UserWarning)
                return self._run_kernel(kernel, data, batch_sizes, hx, weights)
        return self._run_kernel(kernel, data, batch_sizes, hx, weights)

    def _run_kernel(self, kernel: Any, data: Tensor, batch_sizes: Tensor | None, hx: State,
                    weights: list[Tensor]) -> tuple[Tensor, State]:
        """``kernel`` on a padded batch (``batch_sizes`` None) or a packed one, with torch.nn's arguments."""
        if batch_sizes is None:
            result = kernel(data, hx, weights, self.bias, self.num_layers, self.dropout, self.training,
                            self.bidirectional, self.batch_first)
        else:
            result = kernel(data, batch_sizes, hx, weights, self.bias, self.num_layers, self.dropout,
                            self.training, self.bidirectional)
        return result[0], (result[1], result[2]) if self.cell_def.has_cell_state else result[1]

    def _forward_fused(self, input: Tensor, hx: State, lengths: Tensor | None) -> tuple[Tensor, State]:
        if lengths is None:
            return self._kernel_call(input, None, hx)
        steps = input.shape[1] if self.batch_first else input.shape[0]
        packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
        out, state = self._kernel_call(packed.data, packed.batch_sizes, self.permute_hidden(hx, packed.sorted_indices))
        out_packed = PackedSequence(out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        output, _ = pad_packed_sequence(out_packed, batch_first=self.batch_first, total_length=steps)
        return output, self.permute_hidden(state, packed.unsorted_indices)

    def _forward_packed(
        self, packed: PackedSequence, hx: State | None, time_offset: int
    ) -> tuple[PackedSequence, State]:
        """A PackedSequence in, a PackedSequence out (torch's contract), on the fused or the reference path."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if self.uses_fused():
            # batch_sizes[0] as a tensor, as torch.nn passes it: a trace (torch.jit.trace, the ONNX export) then reads
            # the batch from its input, where int() recorded the traced batch as a constant, and another batch failed
            hx = self._zero_state(batch_sizes[0], data) if hx is None else self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(data, hx, batch_sizes)
            out, hx = self._kernel_call(data, batch_sizes, hx)
        else:
            out, batch_sizes, hx = self._packed_reference(data, batch_sizes, hx, sorted_indices, time_offset)
        output_packed = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return output_packed, self.permute_hidden(hx, unsorted_indices)

    def _packed_reference(self, data: Tensor, batch_sizes: Tensor, hx: State | None, sorted_indices: Tensor | None,
                          time_offset: int) -> tuple[Tensor, Tensor, State]:
        """The step loop on a PackedSequence's rows (packed, so sorted, lengths falling): padded, run, packed again;
        its (data, batch_sizes, final state). Nothing but the unpacking reads the caller's packed tensors, and the
        output is the repacking's own pair: torch's TorchScript-based ONNX exporter then cancels the caller's
        pack against this unpack and this pack against the caller's unpack, as it must (a pack or unpack left
        over fails the export: "these operations must occur in pairs", which every model that packs its batch
        for a layer on the step loop did)."""
        self._warn_if_traced(len(batch_sizes))
        padded, lengths = pad_packed_sequence(PackedSequence(data, batch_sizes))
        # the batch from the padded tensor's shape, which a trace records as read from its input (int() would not)
        hx = self._zero_state(padded.shape[1], padded) if hx is None else self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(data, hx, batch_sizes)
        output, hx = self._forward_reference(padded, hx, lengths, time_offset)
        repacked = pack_padded_sequence(output, lengths, enforce_sorted=True)
        return repacked.data, repacked.batch_sizes, hx

    def _forward_reference(
        self, x: Tensor, state: State, lengths: Tensor | None, time_offset: int
    ) -> tuple[Tensor, State]:
        """The step loop over time-major ``x`` (T, B, I), every layer and direction."""
        mask = None
        if lengths is not None:
            mask = (torch.arange(x.shape[0], device=x.device).unsqueeze(1) < lengths.to(x.device)).unsqueeze(2)
        has_c = self.cell_def.has_cell_state
        finals: list[State] = []
        layer_input = x
        exported = export_loop.takes_over(self)  # the ONNX export: the loop as a scripted one, an ONNX Loop
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                s0: State = (state[0][k], state[1][k]) if has_c else state[k]  # type: ignore[index]
                seq = layer_input if direction == 0 else reverse_padded(layer_input, lengths)
                offset = time_offset if direction == 0 else 0
                w_ih, w_hh, b_ih, b_hh, w_hr = self._flat_layer(layer, direction)
                if exported:
                    out, final = export_loop.run_layer(self, seq, s0, layer, direction, mask, offset,
                                                       (w_ih, w_hh, b_ih, b_hh))
                elif self.reg.in_loop(self.training):
                    out, final = run_regularised(self, seq, s0, layer, direction, mask, offset,
                                                 (w_ih, w_hh, b_ih, b_hh))
                else:
                    fast = None if not self._own_loops() else self.cell_def.sequence_from_input(
                        seq, w_ih, b_ih, s0, mask, offset)
                    if fast is not None:
                        out, final = fast
                    else:
                        xw = F.linear(seq, w_ih, b_ih)  # every step's input projection in one product
                        out, final = self._run(xw, s0, self.reg.drop_weight(w_hh, self.training), b_hh, mask,
                                               offset, w_hr)
                outputs.append(out if direction == 0 else reverse_padded(out, lengths))
                finals.append(final)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout)
        if has_c:
            return layer_input, (torch.stack([f[0] for f in finals]), torch.stack([f[1] for f in finals]))
        return layer_input, torch.stack(finals)  # type: ignore[arg-type]

    def _run(
        self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None, offset: int,
        w_hr: Tensor | None = None,
    ) -> tuple[Tensor, State]:
        """The time loop of one layer and direction: the cell's step, held still past each length."""
        cell = self.cell_def
        w_hh = cell.prepare(w_hh)
        if self._own_loops() and w_hr is None:
            fast = cell.sequence(xw, state, w_hh, b_hh, mask, offset)
            if fast is not None:
                return fast
        outs = []
        # unbind, not xw[t]: one backward for all the steps (each xw[t]'s backward fills a zero tensor of
        # all of xw, so T steps cost O(T²)), and a traced graph that refuses another length (a ListUnpack of
        # T steps) instead of running the traced number of steps on it
        masks = [None] * xw.shape[0] if mask is None else mask.unbind(0)
        for t, (xw_t, m) in enumerate(zip(xw.unbind(0), masks, strict=True)):
            new = cell.step(xw_t, state, w_hh, b_hh, t + offset)
            if w_hr is not None:  # the LSTM's projection: h_t = W_hr (o ⊙ tanh(c_t))
                new = (F.linear(new[0], w_hr), new[1])
            if m is not None:
                if isinstance(new, tuple):
                    new = tuple(torch.where(m, n, s) for n, s in zip(new, state, strict=True))
                else:
                    new = torch.where(m, new, state)
                outs.append(torch.where(m, cell.output_of(new), 0.0))
            else:
                outs.append(cell.output_of(new))
            state = new
        return torch.stack(outs), state

    # -- one step -----------------------------------------------------------------------------------
    def step(self, input: Tensor, state: State | None = None, t: int | Tensor | None = None) -> tuple[Tensor, State]:
        """One time step through every layer: what a decoder calls once per generated token.

        ``input`` (B, input_size) → ``(output (B, H), state)``, the state in :meth:`forward`'s layout
        ((L, B, H), or ``(h_n, c_n)`` for the LSTM), so the two can be mixed: run a prefix with
        ``forward``, then continue with ``step`` without rerunning it. The fused cells use torch's
        one-step kernels (``lstm_cell`` ...); the others the cell's own step. ``t`` is the step's index
        in the sequence (the Clockwork RNN's clock: an integer or a 0-d integer tensor, as ``time_offset``;
        default 0, and a Clockwork RNN given a ``state`` refuses to go without it:
        :func:`~rnnkit.cells.base.step_clock`). One direction only.
        """
        carried = state is not None
        if self.bidirectional:
            raise ValueError(f"{self._kind}: step() runs one direction; a bidirectional layer needs the whole input")
        if input.dim() != 2 or input.shape[-1] != self.input_size:
            # torch's types: another number of dimensions is a ValueError, another width (as forward's
            # "input.size(-1) must be equal to input_size", torch.nn.LSTMCell's) a RuntimeError
            error = ValueError if input.dim() != 2 else RuntimeError
            raise error(f"{self._kind}: step() takes input of shape (batch, {self.input_size}), "
                        f"got {tuple(input.shape)}")
        state = self._zero_state(input.shape[0], input) if state is None else self._as_state(state)
        self._check_step_state(state, input.shape[0])
        check_state_dtype(self._kind, input, self._state_parts(state)[0])
        cell = self.cell_def
        t = self._clock("step()'s t", step_clock(self._kind, cell, t, carried))  # after the state's own checks
        has_c = cell.has_cell_state
        # torch's one-step kernels take no projection (lstm_cell reads the hidden size off h)
        kernel = _STEP_KERNELS.get(cell.fused_kernel or "") if self.uses_fused() and not self.proj_size else None
        # read afresh, as forward does: a parametrized weight (weight_norm) is computed now, from its current
        # originals, and torch.func.functional_call's tensors are the ones used (the list held the weights of the
        # last forward: stale values after an optimizer step, and gradients that reached no parameter)
        self._update_flat_weights()
        flat = self.reg.flat_weights(self)
        in_loop = self.reg.in_loop(self.training)
        x, finals = input, []
        for layer in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh, w_hr = self._flat_layer(layer, 0, flat)  # no getattr per token
            s: State = (state[0][layer], state[1][layer]) if has_c else state[layer]  # type: ignore[index]
            if in_loop:
                new = step_regularised(self, x, s, layer, (w_ih, w_hh, b_ih, b_hh), t)
            elif kernel is not None:
                new = kernel(x, s, w_ih, w_hh, b_ih, b_hh)
            else:
                new = cell.step(F.linear(x, w_ih, b_ih), s, cell.prepare(w_hh), b_hh, t)
            if self.proj_size:
                new = (F.linear(new[0], w_hr), new[1])
            finals.append(new)
            x = cell.output_of(new)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        if has_c:
            return x, (_stack([f[0] for f in finals]), _stack([f[1] for f in finals]))
        return x, _stack(finals)  # type: ignore[arg-type]


    def _check_step_state(self, state: State, batch: int) -> None:
        """:meth:`step`'s state checked as :meth:`forward` checks a batched one: (L, B, H) for each part."""
        has_c = self.cell_def.has_cell_state
        if isinstance(state, tuple) != has_c:
            raise RuntimeError(f"{self._kind}: step() expected " + ("(h, c)" if has_c else "one hidden state tensor")
                               + " as the state")
        layers = self.num_layers * self.num_directions
        wanted = [(layers, batch, self.proj_size or self.hidden_size)] + ([(layers, batch, self.hidden_size)]
                                                                           if has_c else [])
        for part, want in zip(state if has_c else (state,), wanted, strict=True):  # type: ignore[arg-type]
            if tuple(part.shape) != want:
                raise RuntimeError(f"{self._kind}: step() expected hidden size {want} "
                                   f"(layers, batch, hidden), got {tuple(part.shape)}")


#: the start of cuDNN's warning that the weights it was given are not its one contiguous buffer
_UNCOMPACTED = "RNN module weights are not part of single contiguous chunk of memory"


def _state_dims(parts: tuple[Tensor, ...], want: int) -> str:
    """The end of torch's message for an initial state of the wrong rank (its wording for each layout)."""
    if len(parts) == 2:
        return f"hx and cx should also be {want}-D but got ({parts[0].dim()}-D, {parts[1].dim()}-D) tensors"
    return f"hx should also be {want}-D but got {parts[0].dim()}-D tensor"


_PROJ_SIZE_ONLY_LSTM = "proj_size argument is only supported for LSTM, not RNN or GRU"


def _rnnbase_arguments(self: nn.Module, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                       bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                       proj_size: int = 0, device: Any = None, dtype: Any = None) -> dict[str, Any]:
    """The drop-ins' arguments bound as torch.nn binds them: torch.nn.LSTM / GRU / RNN take ``*args, **kwargs``
    and hand them to ``RNNBase.__init__(mode, ...)``, whose signature this is (tested equal). So GRU's and RNN's
    eighth torch argument is ``proj_size`` (then ``device``, ``dtype``), as in torch.nn, and a wrong call
    (missing, extra or unknown arguments) fails with Python's own message for torch's function: hence its name."""
    return {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers, "bias": bias,
            "batch_first": batch_first, "dropout": dropout, "bidirectional": bidirectional, "proj_size": proj_size,
            "device": device, "dtype": dtype}


_rnnbase_arguments.__qualname__ = "RNNBase.__init__"


def _refuse_positional_projection(mode: str, arguments: dict[str, Any]) -> None:
    """A GRU or RNN given a ``proj_size`` by position: torch.nn checks it with every other argument and builds a
    layer that every forward refuses ("got an incorrect number of RNN parameters"). rnnkit refuses it when
    built, with torch's message for ``proj_size`` given by name, after torch's own checks (a throwaway
    ``RNNBase``, so that a bad argument fails exactly as in torch.nn)."""
    if arguments["proj_size"]:
        nn.RNNBase(mode, **arguments)
        raise ValueError(_PROJ_SIZE_ONLY_LSTM)


def _torch_init(cell_options: dict[str, Any] | None, init: str | None) -> str:
    """torch.nn's initialisation unless the caller asks for rnnkit's (an ``init`` or any cell option)."""
    if init is not None:
        return init
    return "rnnkit" if cell_options else "torch"


class _DropIn(Recurrent):
    """What the torch.nn drop-ins share: printed as torch.nn prints its RNNs."""

    def extra_repr(self) -> str:
        return nn.RNNBase.extra_repr(self)


class LSTM(_DropIn, nn.LSTM):
    """``torch.nn.LSTM`` with rnnkit inside: the same signature, argument order, defaults, initialisation,
    attributes, inputs (tensor, unbatched, PackedSequence), outputs and errors. Extras, keyword-only:
    ``impl`` ("reference": rnnkit's per-step loop), ``cell_options`` (``forget_bias``, ``chrono``,
    initialisers: then rnnkit's initialisation), ``init``, and ``lengths`` in ``forward``."""

    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None, *, impl: str = "auto",
                 cell_options: dict[str, Any] | None = None, init: str | None = None) -> None: ...

    @overload
    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None: ...

    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None:
        arguments = _rnnbase_arguments(self, "LSTM", *args, **kwargs)
        super().__init__("lstm", **arguments, impl=impl, init=_torch_init(cell_options, init),
                         cell_options=cell_options)


class GRU(_DropIn, nn.GRU):
    """``torch.nn.GRU`` with rnnkit inside (see :class:`LSTM` for what is the same and the extras)."""

    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None, *, impl: str = "auto",
                 cell_options: dict[str, Any] | None = None, init: str | None = None) -> None: ...

    @overload
    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None: ...

    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None:
        if "proj_size" in kwargs:  # torch.nn.GRU refuses the keyword itself, whatever its value (None, 0)
            raise ValueError(_PROJ_SIZE_ONLY_LSTM)
        arguments = _rnnbase_arguments(self, "GRU", *args, **kwargs)
        _refuse_positional_projection("GRU", arguments)
        super().__init__("gru", **arguments, impl=impl, init=_torch_init(cell_options, init),
                         cell_options=cell_options)


class RNN(_DropIn, nn.RNN):
    """``torch.nn.RNN`` (Elman, ``nonlinearity="tanh"`` or ``"relu"``) with rnnkit inside (see :class:`LSTM`)."""

    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None, *, impl: str = "auto",
                 cell_options: dict[str, Any] | None = None, init: str | None = None) -> None: ...

    @overload
    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None: ...

    def __init__(self, *args: Any, impl: str = "auto", cell_options: dict[str, Any] | None = None,
                 init: str | None = None, **kwargs: Any) -> None:
        # torch.nn.RNN's order: the keyword proj_size refused, the fourth argument taken out as the nonlinearity
        # (then a nonlinearity= keyword is unexpected), the rest RNNBase's
        if "proj_size" in kwargs:
            raise ValueError(_PROJ_SIZE_ONLY_LSTM)
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in TORCH_NONLINEARITY.values():
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        mode = f"RNN_{nonlinearity.upper()}"
        arguments = _rnnbase_arguments(self, mode, *args, **kwargs)
        _refuse_positional_projection(mode, arguments)
        super().__init__(f"rnn_{nonlinearity}", **arguments, impl=impl, init=_torch_init(cell_options, init),
                         cell_options=cell_options)
