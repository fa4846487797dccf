"""Dropout whose masks are cheap on the CPU: what every rnnkit model drops with.

What a user gets: :class:`Dropout` is ``torch.nn.Dropout`` (same arguments, same scaling by 1/(1 − p),
same behaviour in eval mode, no parameters, so checkpoints are unchanged) and :func:`dropout` is
``torch.nn.functional.dropout``; on the CPU their masks take a quarter of torch's generator calls.
torch draws one 32-bit number from its Mersenne Twister for every element (``bernoulli_``), about 5 ns
each on the machine measured: the dropout of a 2 × 384 language model (on the embeddings and the output, and the
weight drop on each W_hh) cost a fifth of a training step, as much as the LSTM's forward pass. Here
each 64-bit draw of the same generator gives four 16-bit uniforms, compared with the keep probability
(so p is honoured to 1/65,536): forward and backward run 2.3-3.6× faster than torch's, and a training
update of that model 1.21× faster. ``torch.manual_seed`` still makes the masks reproducible. On other
devices torch's own kernels (Philox, fused) are used. Figures: docs/PERFORMANCE.md, "Dropout masks on
the CPU".
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["Dropout", "bernoulli", "dropout"]

_LEVELS = 65536  # the 16-bit uniforms' resolution


def bernoulli(shape: tuple[int, ...], p: float, like: Tensor) -> Tensor:
    """0/1 draws with P(1) = p (to 1/65,536), in ``like``'s dtype and device, from the global generator.

    Each 64-bit draw of torch's generator gives four 16-bit uniforms, compared with p: a quarter of the
    generator calls of ``torch.bernoulli`` or ``rand() < p``, which draw once per element.
    """
    if torch.jit.is_tracing():  # the tracer cannot record the int16 view of the draws (an internal assert)
        return (torch.rand(shape, device=like.device) < p).to(like.dtype)
    n = math.prod(shape)
    level = round(p * _LEVELS)
    if level <= 0 or level >= _LEVELS:  # all zeros or all ones (the int16 threshold would overflow)
        return torch.full(shape, float(level > 0), dtype=like.dtype, device=like.device)
    bits = torch.randint(-(2**63), 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=like.device)
    return (bits.view(torch.int16)[:n] < level - _LEVELS // 2).view(shape).to(like.dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """``torch.nn.functional.dropout`` with :func:`bernoulli`'s masks on the CPU (torch's elsewhere)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input.device.type != "cpu" or p == 1.0 or torch.jit.is_tracing():  # torch's masks (and a traceable op)
        return F.dropout(input, p, training=True, inplace=inplace)
    scale = bernoulli(tuple(input.shape), 1.0 - p, input).mul_(1.0 / (1.0 - p))
    return input.mul_(scale) if inplace else input * scale


class Dropout(nn.Dropout):
    """``torch.nn.Dropout`` whose masks take a quarter of torch's generator calls on the CPU (see :func:`dropout`)."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)
