"""Running cells over time: layers, stacking, directions, padded lengths, state, and the fast paths.

:class:`Recurrent` is a drop-in for ``torch.nn.LSTM`` / ``GRU`` / ``RNN`` that also runs the IRNN and the
Clockwork RNN. It subclasses ``torch.nn.RNNBase``, so its parameters carry torch.nn's names and layout
(``weight_ih_l0``, ``weight_hh_l1_reverse``, ...), state dicts move both ways, and ``flatten_parameters``
and device moves behave as torch's own.

Two paths compute the same thing:

- **fused**: torch's own sequence kernels (``_VF.lstm``, ``_VF.gru``, ``_VF.rnn_tanh``, ``_VF.rnn_relu``;
  cuDNN on a GPU) for the standard cells, called exactly as torch.nn does (no wrapper overhead). Padded
  batches go through ``pack_padded_sequence``.
- **reference**: the cell's one-step math (``Cell.step``) in a loop over time, per layer and direction.
  The input projection of all time steps is one matrix product; only the recurrent product stays in
  the loop. The reverse direction reverses each sequence within its own length, runs forwards and
  reverses back, so padding is never read and the final state is taken at each sequence's own end.

A family without a torch kernel may bring a fast path of its own (``Cell.sequence``: the Clockwork RNN's
hand-written BPTT), tested against its step loop. ``impl="auto"`` (default) takes the fastest path the
cell has; ``"reference"`` forces the plain step loop.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import _VF, Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnkit.cells import State, make_cell

__all__ = ["Recurrent", "detach_state", "reverse_padded"]

IMPLS = ("auto", "fused", "reference")
#: torch's one-step kernels of the fused cells (what torch.nn.LSTMCell and friends call)
_STEP_KERNELS = {"lstm": _VF.lstm_cell, "gru": _VF.gru_cell, "rnn_tanh": _VF.rnn_tanh_cell,
                 "rnn_relu": _VF.rnn_relu_cell}


def detach_state(state: Any) -> Any:
    """The same state cut from the graph (truncated BPTT carries it to the next window): a tensor, a
    tuple or list of them (the LSTM's ``(h, c)``, per-layer states), or None."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
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


class Recurrent(nn.RNNBase):
    """A stack of recurrent layers of one family, with torch.nn.LSTM's call contract.

    ``Recurrent(cell, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False,
    dropout=0.0, **cell_options)`` with ``cell`` one of ``"rnn_tanh"``, ``"rnn_relu"``, ``"irnn"``,
    ``"lstm"``, ``"gru"``, ``"clockwork"``. ``forward(input, state=None, lengths=None)`` returns
    ``(output, state)``: output (T, B, D·H) (batch first if asked), state (L·D, B, H) or ``(h_n, c_n)``
    for the LSTM. ``lengths`` (B,) marks padded batches: outputs past a length are zero and the final
    state is each sequence's own last step, in both directions. Cell options: ``forget_bias`` (LSTM,
    1.0) or ``chrono`` (LSTM, chrono initialisation up to T steps), ``identity_scale`` / ``input_std``
    (IRNN), ``periods`` / ``num_modules`` / ``nonlinearity`` (Clockwork), ``init_ih`` / ``init_hh`` /
    ``bias_init`` (initialiser names, see :mod:`rnnkit.init`).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        batch_first: bool = False,
        dropout: float = 0.0,
        bias: bool = True,
        impl: str = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        **cell_options: Any,
    ) -> None:
        definition = make_cell(cell, hidden_size, **cell_options)
        if impl not in IMPLS:
            raise ValueError(f"impl must be one of {IMPLS}, got {impl!r}")
        if impl == "fused" and not definition.fusable():
            raise ValueError(f"cell {cell!r} has no fused kernel in torch; use impl='auto' or 'reference'")
        # set before RNNBase.__init__, which calls reset_parameters()
        object.__setattr__(self, "cell_def", definition)
        object.__setattr__(self, "impl", impl)
        super().__init__(
            definition.torch_mode,
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            proj_size=0,
            device=device,
            dtype=dtype,
        )
        self.cell = cell

    # -- configuration ----------------------------------------------------------------------------
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Features per time step of the output: hidden_size times the number of directions."""
        return self.hidden_size * self.num_directions

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this layer: ``Recurrent(**layer.config())``."""
        return {
            "cell": self.cell,
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "batch_first": self.batch_first,
            "dropout": self.dropout,
            "bias": self.bias,
            "impl": self.impl,
            **self.cell_def.options(),
        }

    def extra_repr(self) -> str:
        return f"{self.cell!r}, " + super().extra_repr()

    def reset_parameters(self) -> None:
        """Initialise every layer and direction as the cell family prescribes."""
        for names in self._all_weights:
            params = [getattr(self, n) for n in names]
            w_ih, w_hh = params[0], params[1]
            b_ih, b_hh = (params[2], params[3]) if self.bias else (None, None)
            self.cell_def.reset_parameters(w_ih, w_hh, b_ih, b_hh)

    def uses_fused(self) -> bool:
        """True when forward runs torch's fused kernel."""
        return self.impl != "reference" and self.cell_def.fusable()

    def layer_weights(self, layer: int, direction: int = 0) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction (1 = reverse)."""
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        if not self.bias:
            return w_ih, w_hh, None, None
        return w_ih, w_hh, getattr(self, f"bias_ih_l{layer}{suffix}"), getattr(self, f"bias_hh_l{layer}{suffix}")

    # -- forward ----------------------------------------------------------------------------------
    def forward(  # type: ignore[override]
        self,
        input: Tensor,
        state: State | None = None,
        lengths: Tensor | None = None,
        time_offset: int = 0,
    ) -> tuple[Tensor, State]:
        """Run the stack over ``input``; see the class docstring. ``time_offset`` starts the clock of
        the Clockwork RNN at a later step (truncated BPTT over a stream); other cells ignore it."""
        if isinstance(input, PackedSequence):
            raise TypeError("Recurrent takes a padded tensor and `lengths`, not a PackedSequence")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self.cell}: expected input of 2 or 3 dimensions, got shape {tuple(input.shape)}")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            if state is not None:
                state = tuple(s.unsqueeze(1) for s in state) if isinstance(state, tuple) else state.unsqueeze(1)
            if lengths is not None:
                raise ValueError("lengths are for batched input")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{self.cell}: input has {input.shape[-1]} features, expected {self.input_size}")
        batch = input.shape[0] if self.batch_first else input.shape[1]
        steps = input.shape[1] if self.batch_first else input.shape[0]
        state = self._check_state(state, batch, input)
        if lengths is not None:
            lengths = self._check_lengths(lengths, batch, steps)
        if self.uses_fused():
            output, state = self._forward_fused(input, state, lengths)
        else:
            output, state = self._forward_reference(input, state, lengths, time_offset)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            state = tuple(s.squeeze(1) for s in state) if isinstance(state, tuple) else state.squeeze(1)
        return output, state

    def step(self, input: Tensor, state: State | None = None, t: int = 0) -> tuple[Tensor, State]:
        """One time step through every layer: what a decoder calls once per generated token.

        ``input`` (B, input_size) → ``(output (B, H), state)``, the state in :meth:`forward`'s layout
        ((L, B, H), or ``(h_n, c_n)`` for the LSTM), so the two can be mixed: run a prefix with
        ``forward``, then continue with ``step`` without rerunning it. The fused cells use torch's
        one-step kernels (``lstm_cell`` ...); the others the cell's own step. ``t`` is the step's index
        in the sequence (the Clockwork RNN's clock). One direction only.
        """
        if self.bidirectional:
            raise ValueError(f"{self.cell}: step() runs one direction; a bidirectional layer needs the whole input")
        if input.dim() != 2 or input.shape[-1] != self.input_size:
            raise ValueError(f"{self.cell}: step() takes input of shape (batch, {self.input_size}), "
                             f"got {tuple(input.shape)}")
        state = self._check_state(state, input.shape[0], input)
        has_c = self.cell_def.has_cell_state
        kernel = _STEP_KERNELS.get(self.cell_def.fused_kernel or "") if self.uses_fused() else None
        x, finals = input, []
        for layer in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer)
            s: State = (state[0][layer], state[1][layer]) if has_c else state[layer]  # type: ignore[index]
            if kernel is not None:
                new = kernel(x, s, w_ih, w_hh, b_ih, b_hh)
            else:
                new = self.cell_def.step(F.linear(x, w_ih, b_ih), s, self.cell_def.prepare(w_hh), b_hh, t)
            finals.append(new)
            x = self.cell_def.output_of(new)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        if has_c:
            return x, (_stack([f[0] for f in finals]), _stack([f[1] for f in finals]))
        return x, _stack(finals)  # type: ignore[arg-type]

    def _check_state(self, state: State | None, batch: int, input: Tensor) -> State:
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if state is None:
            h = torch.zeros(shape, dtype=input.dtype, device=input.device)
            return (h, torch.zeros_like(h)) if self.cell_def.has_cell_state else h
        parts = state if isinstance(state, tuple) else (state,)
        want = 2 if self.cell_def.has_cell_state else 1
        if len(parts) != want:
            raise ValueError(f"{self.cell}: state must be {'(h, c)' if want == 2 else 'one tensor h'}")
        for p in parts:
            if tuple(p.shape) != shape:
                raise ValueError(f"{self.cell}: state has shape {tuple(p.shape)}, expected {shape}")
        return state

    @staticmethod
    def _check_lengths(lengths: Tensor, batch: int, steps: int) -> Tensor:
        lengths = torch.as_tensor(lengths)
        if lengths.dim() != 1 or lengths.shape[0] != batch:
            raise ValueError(f"lengths must be a 1-D tensor of {batch} entries, got shape {tuple(lengths.shape)}")
        lo, hi = int(lengths.min()), int(lengths.max())
        if lo < 1 or hi > steps:
            raise ValueError(f"lengths must lie in 1..{steps} (the padded length), got {lo}..{hi}")
        return lengths.long()

    def _forward_fused(self, input: Tensor, hx: State, lengths: Tensor | None) -> tuple[Tensor, State]:
        self._update_flat_weights()
        kernel = getattr(_VF, self.cell_def.fused_kernel)  # type: ignore[arg-type]
        if lengths is None:
            result = kernel(
                input, hx, self._flat_weights, self.bias, self.num_layers,
                self.dropout, self.training, self.bidirectional, self.batch_first,
            )  # fmt: skip
            return result[0], (result[1], result[2]) if self.cell_def.has_cell_state else result[1]
        steps = input.shape[1] if self.batch_first else input.shape[0]
        packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
        order, unorder = packed.sorted_indices, packed.unsorted_indices
        if isinstance(hx, tuple):
            hx = tuple(h.index_select(1, order) for h in hx)
        else:
            hx = hx.index_select(1, order)
        result = kernel(
            packed.data, packed.batch_sizes, hx, self._flat_weights, self.bias,
            self.num_layers, self.dropout, self.training, self.bidirectional,
        )  # fmt: skip
        out_packed = PackedSequence(result[0], packed.batch_sizes, order, unorder)
        output, _ = pad_packed_sequence(out_packed, batch_first=self.batch_first, total_length=steps)
        if self.cell_def.has_cell_state:
            return output, (result[1].index_select(1, unorder), result[2].index_select(1, unorder))
        return output, result[1].index_select(1, unorder)

    def _forward_reference(
        self, input: Tensor, state: State, lengths: Tensor | None, time_offset: int
    ) -> tuple[Tensor, State]:
        x = input.transpose(0, 1) if self.batch_first else input  # (T, B, I)
        mask = None
        if lengths is not None:
            mask = (torch.arange(x.shape[0], device=x.device).unsqueeze(1) < lengths.to(x.device)).unsqueeze(2)
        has_c = self.cell_def.has_cell_state
        finals: list[State] = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                s0: State = (state[0][k], state[1][k]) if has_c else state[k]  # type: ignore[index]
                w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer, direction)
                seq = layer_input if direction == 0 else reverse_padded(layer_input, lengths)
                xw = F.linear(seq, w_ih, b_ih)  # every step's input projection in one product
                out, final = self._run(xw, s0, w_hh, b_hh, mask, time_offset if direction == 0 else 0)
                outputs.append(out if direction == 0 else reverse_padded(out, lengths))
                finals.append(final)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        if has_c:
            return output, (torch.stack([f[0] for f in finals]), torch.stack([f[1] for f in finals]))
        return output, torch.stack(finals)  # type: ignore[arg-type]

    def _run(
        self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None, offset: int
    ) -> tuple[Tensor, State]:
        """The time loop of one layer and direction: the cell's step, held still past each length."""
        cell = self.cell_def
        w_hh = cell.prepare(w_hh)
        if self.impl != "reference":
            fast = cell.sequence(xw, state, w_hh, b_hh, mask, offset)
            if fast is not None:
                return fast
        outs = []
        for t in range(xw.shape[0]):
            new = cell.step(xw[t], state, w_hh, b_hh, t + offset)
            if mask is not None:
                m = mask[t]
                if isinstance(new, tuple):
                    new = tuple(torch.where(m, n, s) for n, s in zip(new, state, strict=True))
                else:
                    new = torch.where(m, new, state)
                outs.append(torch.where(m, cell.output_of(new), 0.0))
            else:
                outs.append(cell.output_of(new))
            state = new
        return torch.stack(outs), state
