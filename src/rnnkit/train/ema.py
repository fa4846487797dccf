"""An exponential moving average of a model's weights, the model a run evaluates and keeps (``--ema DECAY``).

What a user gets: with ``TrainConfig(ema=0.999)`` (``rnnkit train TASK --ema 0.999``) the trainer keeps,
beside the weights it trains, their running average ``a ← d·a + (1 − d)·w`` after every update (Polyak
averaging). The first update copies the weights, as :class:`torch.optim.swa_utils.AveragedModel` does,
and the decay warms up as TensorFlow's ``ExponentialMovingAverage(num_updates=n)`` has it: after ``n``
updates ``d = min(decay, (1 + n) / (10 + n))``, so a short run averages its last few updates instead of
keeping most of its initial weights (with 0.999 and no warm-up, 60 updates would leave 94 % of them).
Evaluations score the average, ``best/`` holds it, and after
``fit()`` the model holds it, as Keras' ``use_ema=True`` leaves a model at the end of ``fit``; ``last/``
keeps both (the trained weights go on training when a run resumes, bit for bit). The average smooths
the noise of the last few hundred updates away: a model stopped early, or one still at a high learning
rate, scores better averaged (docs/CLASSIFY.md and docs/CHARLM.md, "Averaged weights").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from rnnkit.errors import UserError, check_fraction

__all__ = ["WeightAverage"]

PREFIX = "ema."


class WeightAverage:
    """The running average of ``model``'s trainable parameters; :meth:`swapped_in` puts it into the model
    for as long as a ``with`` block lasts and the trained weights back after."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        """``decay``: the largest ``d``, reached after about ``9 / (1 - decay)`` updates."""
        check_fraction("ema", decay)
        named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self.names = [name for name, _ in named]
        self.params = [p for _, p in named]
        self.decay = float(decay)
        self.average: list[Tensor] | None = None
        self.updates = 0

    @torch.no_grad()
    def update(self) -> None:
        """Fold the current weights into the average (call after each optimiser step)."""
        if self.average is None:
            self.average = [p.detach().clone() for p in self.params]
        else:
            d = self.current_decay()
            for a, p in zip(self.average, self.params, strict=True):
                a.lerp_(p.detach(), 1.0 - d)
        self.updates += 1

    def current_decay(self) -> float:
        """The decay of the next update: ``min(decay, (1 + n) / (10 + n))`` after ``n`` updates."""
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @contextlib.contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The model holds the average inside the block (nothing changes before the first update)."""
        if self.average is None:
            yield
            return
        with torch.no_grad():
            trained = [p.detach().clone() for p in self.params]
            self.copy_into_model()
        try:
            yield
        finally:
            with torch.no_grad():
                for p, w in zip(self.params, trained, strict=True):
                    p.copy_(w)

    @torch.no_grad()
    def copy_into_model(self) -> None:
        """Overwrite the model's trained weights with the average (the end of ``fit``)."""
        for p, a in zip(self.params, self.average or [], strict=False):
            p.copy_(a)

    def state_tensors(self) -> dict[str, Tensor]:
        """The average as named tensors for ``last/`` (none before the first update)."""
        return {PREFIX + n: a for n, a in zip(self.names, self.average or [], strict=False)}

    def load(self, tensors: dict[str, Tensor], updates: int, where: str) -> None:
        """Restore what :meth:`state_tensors` saved; a checkpoint of a run without the average (or none
        yet) starts it afresh from the next update."""
        if updates <= 0 or any(PREFIX + n not in tensors for n in self.names):
            self.average, self.updates = None, 0
            return
        saved = [tensors[PREFIX + n] for n in self.names]
        for name, p, t in zip(self.names, self.params, saved, strict=True):
            if t.shape != p.shape:
                raise UserError(f"{where}: the averaged weights of {name} do not fit this model")
        self.average = [t.to(p.device, p.dtype).clone() for t, p in zip(saved, self.params, strict=True)]
        self.updates = int(updates)
