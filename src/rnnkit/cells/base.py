"""What every recurrent family defines: parameter shapes, initialisation, and the math of ONE time step.

A :class:`Cell` holds no tensors of its own when used inside :class:`rnnkit.Recurrent` (the layer owns
the parameters under torch.nn's names); it is the family's definition. ``Cell.step`` is the reference
math, written once; the layer's reference path runs it step by step, and the fused torch kernels are
tested against it. :class:`CellModule` wraps a cell with its own parameters for one-step use, like
``torch.nn.LSTMCell``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from rnnkit.init import initialize_

State = Tensor | tuple[Tensor, ...]

#: torch.nn's ``nonlinearity`` of each Elman mode of ``RNNBase``
TORCH_NONLINEARITY = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}


def check_state_dtype(kind: str, input: Tensor, h: Tensor) -> None:
    """A hidden state ``h`` of another dtype than the input's refused with torch.nn's exception (a RuntimeError: its
    cells and layers fail in the matmul of h and W_hh), and not under autocast, which casts both, as torch.nn lets it
    through. Checked once for every cell, path and call (:class:`rnnkit.Recurrent`'s ``forward`` and ``step``,
    :class:`CellModule`): left to the cells, those whose h meets W_hh failed in that matmul, while the minGRU's and
    minLSTM's step promoted its output to the state's dtype, and their scans and the Clockwork RNN's hand-written BPTT
    cast the state to the input's. The LSTM's cell state c meets no weight: torch's native kernel promotes one of
    another dtype, and so does rnnkit's step loop."""
    if h.dtype != input.dtype and not torch._C._is_any_autocast_enabled():
        raise RuntimeError(f"{kind}: hidden state dtype ({h.dtype}) does not match input dtype ({input.dtype}); "
                           f"convert the state: hx.to({input.dtype})")


def given_state(hx: Any, state: Any) -> Any:
    """The initial state given by torch.nn's name ``hx`` or by rnnkit's ``state`` (a TypeError for both)."""
    if state is None:
        return hx
    if hx is not None:
        raise TypeError("give the initial state as hx or as state, not both")
    return state


def step_clock(kind: str, cell: Cell, t: int | Tensor | None, carried: bool) -> int | Tensor:
    """The clock of one step taken by hand (``Recurrent.step``, :class:`CellModule`): ``t`` when given, else 0, the
    first step of a sequence. A clocked cell (:attr:`Cell.clocked`: the Clockwork RNN) given a ``carried`` state and
    no ``t`` is refused in one line: every step was step 0 then, every module updating every step (a plain RNN,
    without a word), where ``forward`` counts the steps."""
    if t is not None:
        return t
    if cell.clocked and carried:
        raise TypeError(f"{kind}: step() of a Clockwork RNN needs t=, the step's index in its sequence (its modules "
                        "update when t is a multiple of their period; without it every step was step 0, every "
                        "module updating): pass t=0, 1, 2 ... as forward() counts them (from its time_offset)")
    return 0


class Cell:
    """A recurrent family. Subclasses set the class attributes and implement :meth:`step`."""

    #: name used by ``Recurrent(cell=...)``
    name: ClassVar[str] = ""
    #: how many blocks of ``hidden_size`` rows ``weight_ih``/``weight_hh`` have (LSTM 4, GRU 3, Elman 1)
    gates: ClassVar[int] = 1
    #: torch.nn.RNNBase mode whose parameter layout this cell shares
    torch_mode: ClassVar[str] = "RNN_TANH"
    #: True when the state is a tuple (h, c)
    has_cell_state: ClassVar[bool] = False
    #: torch fused kernel for the whole sequence, or None when the family has none (the math differs)
    fused_kernel: ClassVar[str | None] = None
    #: False for the families whose gates read x_t only (minGRU, minLSTM): no weight_hh / bias_hh at all
    recurrent: ClassVar[bool] = True
    #: True when, under the TorchScript-based ONNX export, :meth:`sequence_from_input` gives None and :meth:`sequence`
    #: runs as operations the exporter writes for any length (minGRU and minLSTM's parallel scan), where the others'
    #: step loop is written unrolled; both run there (``Recurrent._own_loops``), so neither may be a Function then
    exports_sequence: ClassVar[bool] = False
    #: True when :meth:`step`'s math depends on ``t`` (the Clockwork RNN's modules update by it): a step with a
    #: state carried in then needs its ``t`` (:func:`step_clock`)
    clocked: ClassVar[bool] = False
    #: the options that set initial values alone (``init="torch"``, torch.nn's draw, takes none of them but at its
    #: default), and of those the ones that set the biases (a layer without biases, ``bias=False``, has no use for them)
    initial_options: ClassVar[tuple[str, ...]] = ("init_ih", "init_hh", "bias_init")
    bias_options: ClassVar[tuple[str, ...]] = ("bias_init",)

    def __init__(
        self,
        hidden_size: int,
        init_ih: str = "xavier_uniform",
        init_hh: str = "orthogonal",
        bias_init: float = 0.0,
    ) -> None:
        self.hidden_size = hidden_size
        self.init_ih = init_ih
        self.init_hh = init_hh
        self.bias_init = bias_init

    # -- parameters -------------------------------------------------------------------------------
    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        """Initialise one layer-direction's parameters in place (each gate block on its own)."""
        h = self.hidden_size
        for g in range(self.gates):
            initialize_(weight_ih[g * h : (g + 1) * h], self.init_ih)
            initialize_(weight_hh[g * h : (g + 1) * h], self.init_hh)
        for b in (bias_ih, bias_hh):
            if b is not None:
                b.fill_(self.bias_init)

    def options(self) -> dict[str, Any]:
        """The options that rebuild this cell (stored in model configs)."""
        return {"init_ih": self.init_ih, "init_hh": self.init_hh, "bias_init": self.bias_init}

    @classmethod
    def loadable_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` as a layer or cell saved by an earlier rnnkit holds them, less those it took and this one
        refuses where they changed nothing (see :func:`rebuilt_cell`); the base keeps them all."""
        return options

    # -- state ------------------------------------------------------------------------------------
    def zero_state(self, batch: int, dtype: torch.dtype, device: torch.device) -> State:
        h = torch.zeros(batch, self.hidden_size, dtype=dtype, device=device)
        return (h, torch.zeros_like(h)) if self.has_cell_state else h

    @staticmethod
    def output_of(state: State) -> Tensor:
        """The part of the state that is the layer's output at that step (h)."""
        return state[0] if isinstance(state, tuple) else state

    # -- math -------------------------------------------------------------------------------------
    def step(self, xw: Tensor, state: State, weight_hh: Tensor, bias_hh: Tensor | None, t: int) -> State:
        """One time step. ``xw`` is the hoisted input projection W_ih x_t + b_ih, shape (B, gates·H).

        ``t`` is the step's index in its sequence (only the Clockwork RNN's math depends on it).
        Returns the new state.
        """
        raise NotImplementedError

    def prepare(self, weight_hh: Tensor) -> Tensor:
        """Turn the stored recurrent weight into the one the step uses (e.g. apply a mask). Once per call."""
        return weight_hh

    def connectivity(self, dtype: torch.dtype = torch.float32, device: torch.device | None = None) -> Tensor | None:
        """The entries of ``weight_hh`` that the step reads: None (the default) when it reads every one, else an
        (H, H) 0/1 mask, 1 where it reads (the Clockwork RNN's block-triangular one), in ``dtype`` on ``device``.
        A family that returns a mask also applies it in :meth:`prepare`. What is masked out counts nowhere: not in
        :func:`rnnkit.models.sequence.effective_parameters` and ``hidden_for_params`` (the sizes of ``rnnkit
        experiment --params``), nor in ``rnnkit diagnose``'s spectral radius."""
        return None

    def sequence(
        self, xw: Tensor, state: State, weight_hh: Tensor, bias_hh: Tensor | None, mask: Tensor | None, offset: int
    ) -> tuple[Tensor, State] | None:
        """A fast path of the family's own over a whole sequence, or None to use the step loop.

        Same arguments as the layer's loop: ``xw`` (T, B, gates·H), ``weight_hh`` already prepared,
        ``mask`` (T, B, 1) bool or None, ``offset`` the clock of step 0. Must equal the step loop.
        """
        return None

    def sequence_from_input(
        self, x: Tensor, weight_ih: Tensor, bias_ih: Tensor | None, state: State, mask: Tensor | None, offset: int
    ) -> tuple[Tensor, State] | None:
        """A fast path that takes the layer's input ``x`` (T, B, I) and its input weights instead of their
        product (so that it may compute the product itself, block by block: minGRU, minLSTM), or None.
        ``Recurrent`` tries it before computing the product for :meth:`sequence`; must equal the step loop."""
        return None

    def traces_any_length(self) -> bool:
        """True when :meth:`sequence` runs (rather than returning None) as one ``torch.autograd.Function`` that
        takes everything that depends on the length from its tensors: ``torch.jit.trace`` records such a call
        once, and its graph runs any length, where the step loop is recorded unrolled over the traced one."""
        return False

    def fusable(self) -> bool:
        """True when torch's fused kernel computes exactly this cell's math with these options."""
        return self.fused_kernel is not None


def nonlinearity_of(cell: Cell) -> str | None:
    """The ``nonlinearity`` attribute that torch.nn's RNN and RNNCell carry, for a layer or cell module of ``cell``:
    the Elman cells' ("tanh", "relu") and the Clockwork RNN's own; None for the gated families (torch.nn's LSTM and
    GRU have none)."""
    return getattr(cell, "nonlinearity", None) or TORCH_NONLINEARITY.get(cell.torch_mode)


class CellModule(nn.Module):
    """One cell with its own parameters, for step-by-step use (like ``torch.nn.LSTMCell``).

    ``forward(x, state=None, t=None)`` takes x of shape (B, input_size), or (input_size,) unbatched as torch.nn's
    cells take it, and returns the new state: a tensor h (B, H), or ``(h, c)`` for the LSTM (1-D for an
    unbatched x). Parameter names match torch.nn's cells
    (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``) so their state dicts load both ways; a cell
    without recurrent weights (``Cell.recurrent`` False: minGRU, minLSTM) has ``weight_hh = bias_hh = None``.
    """

    def __init__(self, cell: Cell, input_size: int, bias: bool = True, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.cell = cell
        self.input_size = input_size
        self.hidden_size = cell.hidden_size
        self._torch_attributes(bias)
        g, on = cell.gates * cell.hidden_size, {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(g, input_size, **on))
        self.weight_hh = nn.Parameter(torch.empty(g, cell.hidden_size, **on)) if cell.recurrent else None
        self.bias_ih = nn.Parameter(torch.empty(g, **on)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(g, **on)) if bias and cell.recurrent else None
        self.reset_parameters()

    def _torch_attributes(self, bias: bool) -> None:
        """torch.nn's cells' ``bias`` (the bool: init code reads it before touching ``bias_ih``) and RNNCell's
        ``nonlinearity`` (for the Elman and Clockwork cells), which code ported from them reads."""
        self.bias = bias
        nonlinearity = nonlinearity_of(self.cell)
        if nonlinearity is not None:
            self.nonlinearity = nonlinearity

    def reset_parameters(self) -> None:
        self.cell.reset_parameters(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def __getstate__(self) -> dict[str, Any]:
        """torch.nn's state, with the cell as its name and options, as :class:`rnnkit.Recurrent` pickles its own:
        ``torch.load(path, weights_only=True)`` of a saved cell then needs this class alone in ``safe_globals``, as
        ``torch.nn.LSTMCell`` does (the cell's class too before, and ``getattr`` for the Clockwork RNN)."""
        state = super().__getstate__()
        state["cell"] = {"name": self.cell.name, "options": self.cell.options()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """:meth:`__getstate__`'s state, the cell rebuilt from its options; one pickled by an older rnnkit holds
        the cell object, and keeps it, and gets the ``bias`` and ``nonlinearity`` it was saved without."""
        if isinstance(state.get("cell"), dict):
            saved = state["cell"]
            state = {**state, "cell": rebuilt_cell(saved["name"], state["hidden_size"], saved["options"])}
        super().__setstate__(state)
        if "bias" not in state:  # pickled before the module had torch.nn's attributes
            self._torch_attributes(self.bias_ih is not None)

    def forward(self, input: Tensor, hx: State | None = None, t: int | None = None, *,
                state: State | None = None) -> State:
        """One step of ``input`` (B, input_size), or of one unbatched ``input`` (input_size,) with a state of 1-D
        tensors, as torch.nn's cells take it (by their names too: ``input``, ``hx``, or ``state`` as in
        :class:`rnnkit.Recurrent`); the new state comes back in the input's layout. ``t`` is the step's index
        (default 0; a Clockwork cell given a state needs it: :func:`step_clock`)."""
        x, state = input, given_state(hx, state)
        if x.dim() not in (1, 2):
            raise ValueError(f"{self.cell.name}: Expected input to be 1D or 2D, got {x.dim()}D instead")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[-1]} expected {self.input_size}")
        batched = x.dim() == 2
        x = x if batched else x.unsqueeze(0)
        carried = state is not None
        if state is None:
            state = self.cell.zero_state(x.shape[0], x.dtype, x.device)
        else:
            state = self._checked_state(x, state, x.shape[0], batched)
        clock = step_clock(self.cell.name, self.cell, t, carried)  # after the state's own checks
        xw = nn.functional.linear(x, self.weight_ih, self.bias_ih)
        new = self.cell.step(xw, state, self.cell.prepare(self.weight_hh), self.bias_hh, clock)
        if batched:
            return new
        return tuple(s.squeeze(0) for s in new) if isinstance(new, tuple) else new.squeeze(0)

    def _checked_state(self, x: Tensor, state: State | list[Tensor], batch: int, batched: bool) -> State:
        """A given state as (B, H) tensors (a 1-D one unsqueezed for unbatched input), each checked against the
        input's batch and the hidden size with torch.nn's cells' messages, so that none broadcasts silently, and
        against the input's dtype (:func:`check_state_dtype`)."""
        parts = tuple(state) if isinstance(state, (tuple, list)) else (state,)
        for i, part in enumerate(parts):
            if part.dim() != (2 if batched else 1):
                raise RuntimeError(f"{self.cell.name}: for {'batched 2-D' if batched else 'unbatched 1-D'} input, "
                                   f"hx[{i}] should be {2 if batched else 1}-D, got {part.dim()}-D")
            if batched and part.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch size {part.shape[0]}")
            if part.shape[-1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {part.shape[-1]}, "
                                   f"expected {self.hidden_size}")
        check_state_dtype(self.cell.name, x, parts[0])
        parts = parts if batched else tuple(p.unsqueeze(0) for p in parts)
        return parts if isinstance(state, (tuple, list)) else parts[0]

    def extra_repr(self) -> str:
        return f"{self.cell.name}, {self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


def rebuilt_cell(name: str, hidden_size: int, options: dict[str, Any]) -> Cell:
    """The cell that a saved layer or cell module (its family's ``name`` and ``options``) was built with: the options
    a newer rnnkit refuses where they changed nothing are left out (:meth:`Cell.loadable_options`), so that what was
    saved still loads (a chrono LSTM with a ``forget_bias`` of its own)."""
    from rnnkit.cells import CELLS, make_cell  # the package imports this module

    family = CELLS.get(name)
    return make_cell(name, hidden_size, **(family.loadable_options(options) if family else options))
