"""Synthetic long-memory tasks from the literature, generated on the spot from a seed.

What you get:

* :func:`adding_problem` -- Hochreiter & Schmidhuber (1997), as in Le, Jaitly & Hinton (2015): two input
  channels per step, a value drawn from U(0, 1) and a marker that is 1 at exactly two steps (one in the
  first half of the sequence, one in the second) and 0 elsewhere. The target is the sum of the two marked
  values. Predicting the constant 1 scores an MSE of 1/6 (about 0.167), the trivial baseline.
* :func:`copy_task` -- the memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016): a short
  random sequence of symbols, then a long blank delay, then a "go" marker; after it the network must
  reproduce the symbols. Inputs and targets are class indices (0 = blank, 1..K = symbols, K+1 = go).
* :func:`clockwork_waveform` -- a fixed target waveform for the sequence-generation experiment of
  Koutník et al. (2014), where a network with no input learns to emit a 320-sample signal. The original
  used a clip of music that cannot be shipped; this is a seeded sum of slow and fast oscillations with
  a few sharp rhythm changes, normalised to [-1, 1] -- the same kind of multi-scale target.

All functions take a ``torch.Generator`` or an int seed and are deterministic for it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rnnkit.errors import SettingError, UserError

ADDING_BASELINE_MSE = 1.0 / 6.0
"""MSE of always predicting 1: the variance of the sum of two U(0, 1) values (2 · 1/12)."""


def _generator(seed: int | torch.Generator) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def adding_problem(n: int, length: int, seed: int | torch.Generator = 0) -> tuple[Tensor, Tensor]:
    """``n`` sequences of the adding problem with ``length`` steps.

    Returns ``x`` of shape (n, length, 2) -- channel 0 the values, channel 1 the markers -- and ``y`` of
    shape (n,), the sum of the two marked values. Batch first.
    """
    if length < 2:
        raise SettingError("length", length, "the adding problem needs at least 2 steps")
    if n < 1:
        raise UserError(f"adding problem: need at least one sequence, got {n}")
    g = _generator(seed)
    values = torch.rand(n, length, generator=g)
    half = length // 2
    first = torch.randint(0, half, (n,), generator=g)
    second = torch.randint(half, length, (n,), generator=g)
    markers = torch.zeros(n, length)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return torch.stack([values, markers], dim=2), y


def copy_task(
    n: int,
    delay: int,
    seq_len: int = 10,
    num_symbols: int = 8,
    seed: int | torch.Generator = 0,
) -> tuple[Tensor, Tensor]:
    """``n`` sequences of the copy (memory) task.

    Layout of each sequence (length ``seq_len + delay + seq_len``): ``seq_len`` random symbols in
    1..``num_symbols``, then ``delay`` steps of blank (0) whose last one is the go marker
    (``num_symbols + 1``), then ``seq_len`` blanks during which the symbols must be reproduced. Targets
    are blank (0) everywhere except the last ``seq_len`` steps, which hold the symbols.

    Returns ``x`` and ``y``, both LongTensors of shape (n, total_length), batch first. The input has
    ``num_symbols + 2`` classes, the output ``num_symbols + 1``.
    """
    if delay < 1:
        raise SettingError("length", delay, "the copy task needs a delay of at least 1 step")
    if seq_len < 1 or num_symbols < 1:
        raise UserError("copy task: seq_len and num_symbols must be at least 1")
    g = _generator(seed)
    total = 2 * seq_len + delay
    symbols = torch.randint(1, num_symbols + 1, (n, seq_len), generator=g)
    x = torch.zeros(n, total, dtype=torch.long)
    y = torch.zeros(n, total, dtype=torch.long)
    x[:, :seq_len] = symbols
    x[:, seq_len + delay - 1] = num_symbols + 1
    y[:, -seq_len:] = symbols
    return x, y


def copy_baseline_accuracy(num_symbols: int = 8) -> float:
    """Per-symbol accuracy after the delay of a model that guesses one symbol (1/K)."""
    return 1.0 / num_symbols


def clockwork_waveform(length: int = 320, seed: int = 0) -> Tensor:
    """The fixed multi-scale target of the sequence-generation experiment, shape (length,), in [-1, 1].

    A seeded sum of a slow carrier, mid-rate and fast oscillations whose amplitudes change at a few
    "bar lines", like the music clip of Koutník et al. (2014). Same seed, same waveform.
    """
    if length < 8:
        raise SettingError("length", length, "the clockwork waveform needs at least 8 samples")
    g = _generator(seed)
    t = torch.arange(length, dtype=torch.float64)
    wave = torch.zeros(length, dtype=torch.float64)
    # slow, medium and fast components: periods spread over powers of two, as a CW-RNN's clocks are
    for period in (160.0, 64.0, 24.0, 9.0, 4.0):
        amp = 0.4 + 0.6 * float(torch.rand((), generator=g))
        phase = 2 * math.pi * float(torch.rand((), generator=g))
        wave += amp / math.sqrt(period / 4.0) * torch.sin(2 * math.pi * t / period + phase)
    # rhythm changes: the fast part is loud in some bars and quiet in others
    bars = max(1, length // 40)
    gains = 0.3 + 0.7 * torch.rand(bars, generator=g, dtype=torch.float64)
    gain = gains[torch.clamp((t // 40).long(), max=bars - 1)]
    fast = torch.sin(2 * math.pi * t / 6.0) * 0.5
    wave = wave + gain * fast
    wave = wave - wave.mean()
    wave = wave / wave.abs().max()
    return wave.float()
