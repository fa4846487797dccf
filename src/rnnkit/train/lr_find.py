"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"; fastai's
``lr_find``, PyTorch Lightning's ``Tuner.lr_find``): ``rnnkit train TASK ... --find-lr``.

What a user gets: the model and data of the run the flags describe, trained for :data:`UPDATES` updates with
the learning rate raised geometrically from :data:`START` to :data:`END`, stopped early once the smoothed
loss passes :data:`STOP_FACTOR` times its lowest; the curve (each update's rate, loss and smoothed loss) and a
suggested ``--lr``, the rate where the smoothed loss falls fastest (Lightning's suggestion). Nothing is saved:
the run ends by raising :class:`LearningRateFound`, which ``rnnkit train`` prints and :func:`rnnkit.fit`
returns, and a fresh ``--out`` it made is removed as a failed run's is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["END", "START", "STOP_FACTOR", "UPDATES", "LearningRateCurve", "LearningRateFound", "geometric_rates",
           "run_range_test", "smoothed", "steepest"]

#: the range test's updates, first and last learning rate, and the loss that stops it (fastai's and Lightning's)
UPDATES, START, END, STOP_FACTOR = 100, 1e-7, 10.0, 4.0
#: the smoothing of the loss (an exponential moving average, bias-corrected, as fastai's and Lightning's)
BETA = 0.98
#: the first and last points the suggestion skips (Lightning's skip_begin, skip_end)
SKIP_BEGIN, SKIP_END = 10, 1


def geometric_rates(start: float = START, end: float = END, updates: int = UPDATES) -> list[float]:
    """``updates`` learning rates from ``start`` to ``end``, each the one before times the same factor."""
    return [start * (end / start) ** (i / max(updates - 1, 1)) for i in range(updates)]


def smoothed(losses: list[float], beta: float = BETA) -> list[float]:
    """The bias-corrected exponential moving average of ``losses`` (``avg_i / (1 - beta^(i+1))``)."""
    out, avg = [], 0.0
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + 1)))
    return out


def steepest(rates: list[float], losses: list[float]) -> float | None:
    """The rate at which ``losses`` (smoothed) fall fastest: the least of their finite differences over the
    points left after :data:`SKIP_BEGIN` and :data:`SKIP_END` (numpy's ``gradient``: central inside, one-sided at
    the ends), as Lightning suggests; None when fewer than two points are left."""
    kept = losses[SKIP_BEGIN:len(losses) - SKIP_END]
    if len(kept) < 2:
        return None
    slopes = [kept[1] - kept[0], *[(kept[i + 1] - kept[i - 1]) / 2 for i in range(1, len(kept) - 1)],
              kept[-1] - kept[-2]]
    return rates[SKIP_BEGIN + min(range(len(slopes)), key=slopes.__getitem__)]


@dataclass
class LearningRateCurve:
    """What a range test found: each update's learning rate, training loss and smoothed loss; why it stopped
    (``"end"`` after :data:`UPDATES`, ``"diverged"`` when the smoothed loss passed :data:`STOP_FACTOR` times its
    lowest or a loss was not finite); :attr:`suggestion`, the ``--lr`` to try; :meth:`plot` draws it."""

    rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    stopped: str = "end"

    @property
    def suggestion(self) -> float | None:
        """The rate where the smoothed loss falls fastest (None: too few updates to tell)."""
        return steepest(self.rates, self.smoothed)

    @property
    def lowest(self) -> float | None:
        """The rate of the lowest smoothed loss (fastai's ``lr_min`` is a tenth of it)."""
        return self.rates[min(range(len(self.smoothed)), key=self.smoothed.__getitem__)] if self.smoothed else None

    def __repr__(self) -> str:
        """The suggestion and the curve's extent, not its points: a notebook cell ending in ``rnnkit.fit(...,
        find_lr=True)`` echoed all 300 of them (6 KB of floats) above the one number it was run for."""
        span = f"{_short(self.rates[0])} to {_short(self.rates[-1])}" if self.rates else "none"
        return (f"LearningRateCurve(suggestion={_short(self.suggestion)}, lowest={_short(self.lowest)}, "
                f"updates={len(self.rates)}, rates={span}, stopped={self.stopped!r})")

    def to_json(self) -> dict[str, Any]:
        """The curve and the suggestion as JSON values (``--find-lr --json``)."""
        return {"suggested_lr": self.suggestion, "lowest_loss_lr": self.lowest, "stopped": self.stopped,
                "lr": self.rates, "loss": self.losses, "smoothed_loss": self.smoothed}

    def plot(self, path: str | Path) -> Path:
        """Draw the smoothed loss against the learning rate (log scale), the suggestion marked, into ``path``
        (written atomically by matplotlib, in the format the name's suffix names: ``.png``, ``.svg``, ``.pdf``,
        ``.jpg`` ...; PNG where it has none; a suffix matplotlib does not write is refused)."""
        from rnnkit.plots import lr_find_png

        lr_find_png(self.rates, self.smoothed, self.suggestion, path)
        return Path(path)


def _short(rate: float | None) -> str:
    """A learning rate as ``rnnkit train --find-lr`` says it (two significant digits: ``0.0032``), or None."""
    return "None" if rate is None else f"{rate:.2g}"


class LearningRateFound(Exception):  # noqa: N818 -- not an error: how the curve leaves a task's train()
    """Raised by :meth:`rnnkit.train.Trainer.fit` under ``find_lr``: the run ends without a model, and the
    caller (``rnnkit train``, :func:`rnnkit.fit`) takes :attr:`curve`."""

    def __init__(self, curve: LearningRateCurve) -> None:
        super().__init__(f"learning-rate range test: suggested lr {curve.suggestion}")
        self.curve = curve


def run_range_test(update: Any, set_rate: Any, rates: list[float] | None = None) -> LearningRateCurve:
    """Call ``set_rate(lr)`` then ``update(lr)`` (→ summed loss, items) for each rate of ``rates`` (default
    :func:`geometric_rates`); stop after a loss that is not finite or a smoothed loss over :data:`STOP_FACTOR`
    times the lowest. ``update`` may raise :class:`rnnkit.train.trainer.TrainingDiverged`: that also stops it."""
    from rnnkit.train.trainer import TrainingDiverged

    curve = LearningRateCurve()
    for lr in rates if rates is not None else geometric_rates():
        set_rate(lr)
        try:
            loss_sum, items = update(lr)
        except TrainingDiverged:
            curve.stopped = "diverged"
            break
        loss = loss_sum / max(items, 1)
        if not math.isfinite(loss):
            curve.stopped = "diverged"
            break
        curve.rates.append(lr)
        curve.losses.append(loss)
        curve.smoothed = smoothed(curve.losses)
        if curve.smoothed[-1] > STOP_FACTOR * min(curve.smoothed):
            curve.stopped = "diverged"
            break
    return curve
