"""The plainest sequence model: one recurrent layer and a linear read-out, and parameter counting.

:class:`SequenceModel` reads out the last step (many-to-one: the adding problem, sequential MNIST) or
every step (many-to-many: the copy task, waveform generation). It is what the long-memory experiments
and the gradient diagnostics train, so that cells are compared in the same body.

:func:`effective_parameters` counts the numbers that take part in the computation (a Clockwork RNN's
masked-out W_hh entries do not); :func:`hidden_for_params` finds the hidden size that brings a cell to
a parameter budget, so that cells can be compared at equal size.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from rnnkit.errors import UserError

__all__ = ["SequenceModel", "effective_parameters", "hidden_for_params"]


class SequenceModel(nn.Module):
    """A recurrent layer and a linear read-out: of the last step (many-to-one) or every step."""

    def __init__(
        self, cell: str, input_size: int, hidden: int, output_size: int, every_step: bool, **options: Any
    ) -> None:
        super().__init__()
        from rnnkit.recurrent import Recurrent

        for name in ("bidirectional", "proj_size"):
            if options.get(name):
                raise UserError(f"SequenceModel reads out one direction's hidden state: {name}={options[name]!r} "
                                "is not supported (use Recurrent with a head of your own)")
        try:
            self.rnn = Recurrent(cell, input_size, hidden, batch_first=True, **options)
        except ValueError as exc:
            raise UserError(f"cell {cell!r}: {str(exc).removeprefix(f'cell {cell!r}: ')}") from None
        self.head = nn.Linear(hidden, output_size)
        self.every_step = every_step

    @staticmethod
    def count_parameters(cell: str, input_size: int, hidden: int, output_size: int, every_step: bool = False, *,
                         num_layers: int = 1, bias: bool = True, layer_norm: bool = False, **unused: Any) -> int:
        """The parameters of ``SequenceModel(...)`` with these arguments, counted without building it."""
        from rnnkit.recurrent import stack_parameters

        return (stack_parameters(cell, input_size, hidden, num_layers, bias=bias, layer_norm=layer_norm)
                + (hidden + 1) * output_size)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out if self.every_step else out[:, -1])


def effective_parameters(model: nn.Module) -> int:
    """Trainable numbers that take part in the computation (a Clockwork RNN's masked W_hh entries do not)."""
    total = sum(p.numel() for p in model.parameters() if p.requires_grad)
    for m in model.modules():
        cell_def = getattr(m, "cell_def", None)
        mask = cell_def.connectivity() if cell_def is not None else None
        if mask is not None:
            per_layer = int(mask.numel() - mask.sum().item())
            total -= per_layer * m.num_layers * (2 if m.bidirectional else 1)
    return total


def hidden_for_params(
    cell: str, target: int, input_size: int, output_size: int, options: dict[str, Any], every_step: bool
) -> int:
    """The largest hidden size whose model has at most ``target`` effective parameters (at least 1 unit)."""
    from rnnkit.cells import make_cell

    def count(h: int) -> int:
        opts = dict(options)
        if cell == "clockwork":
            g = len(opts.get("periods") or []) or opts.get("num_modules") or min(8, h)
            if g > h:
                return 10**12
        try:
            definition = make_cell(cell, h, **opts)
        except ValueError as exc:
            raise UserError(f"cell {cell!r}: {str(exc).removeprefix(f'cell {cell!r}: ')}") from None
        gates = definition.gates
        hh = gates * h if definition.recurrent else 0  # rows of W_hh (none for minGRU, minLSTM)
        mask = definition.connectivity()
        recurrent = hh * h if mask is None else int(mask.sum().item())
        return recurrent + gates * h * input_size + gates * h + hh + h * output_size + output_size

    lo = 1
    if cell == "clockwork":  # at least one unit per module
        lo = len(options.get("periods") or []) or options.get("num_modules") or 1
    if count(lo) > target:
        return lo
    hi = lo + 1
    while count(hi) <= target and hi < 1 << 16:
        hi *= 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(mid) <= target:
            lo = mid
        else:
            hi = mid - 1
    return lo
