"""Optimisers by name and the learning-rate schedule (linear warm-up, then cosine, linear, step, constant or
plateau).

The schedule is a pure function of the step (and, under a ``--minutes`` budget, of the fraction of the
budget spent; under ``plateau``, of the reductions the evaluations have called for, which the trainer saves),
so a resumed run computes exactly the learning rates the uninterrupted run would have.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from rnnkit.errors import UserError

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("cosine", "linear", "step", "constant", "plateau")


def build_optimizer(
    name: str,
    params: Iterable[torch.nn.Parameter],
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> torch.optim.Optimizer:
    """``sgd`` (with momentum, Nesterov off), ``adam``, ``adamw`` or ``rmsprop`` over ``params``.

    Adam and AdamW use torch's fused kernel when every parameter is a float tensor on the CPU or a CUDA
    device: one pass over all parameters instead of a dozen small ops per tensor (on the default char LM,
    0.4 ms against 6.1 ms per update on one core; docs/PERFORMANCE.md).
    """
    name = name.lower()
    params = [p for p in params if p.requires_grad]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    fused = bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, fused=fused or None)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, fused=fused or None)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.95, eps=eps, momentum=0.0,
                                   weight_decay=weight_decay)
    raise UserError(f"--optimizer {name!r}: expected one of {', '.join(OPTIMIZERS)}")


def warm_up(names: Iterable[str]) -> None:
    """Build each optimizer of ``names`` once on a throwaway parameter: the first optimizer of a process imports
    torch's compiler (torch._dynamo, seconds), which a timed run would otherwise count (an experiment's first cell,
    its budget, seconds and time to solve; diagnose's first cell's training seconds)."""
    for name in sorted(set(names)):
        build_optimizer(name, [torch.nn.Parameter(torch.zeros(1))], lr=1e-3)


def learning_rate(
    base_lr: float,
    step: int,
    progress: float,
    *,
    schedule: str = "cosine",
    warmup_steps: int = 0,
    min_lr_ratio: float = 0.0,
    step_every: int = 1000,
    gamma: float = 0.5,
    reductions: int = 0,
) -> float:
    """Learning rate for update number ``step`` (0-based).

    ``progress`` in [0, 1] is how far through the run we are (steps done / total steps, or the
    fraction of the time budget spent, whichever is larger); the cosine, and ``linear`` in a straight line
    (torch's ``LinearLR``, the default of Hugging Face's trainer), decay over it from ``base_lr`` to
    ``min_lr_ratio * base_lr``. ``step`` decay multiplies by ``gamma`` every
    ``step_every`` updates. ``plateau`` (Keras' and torch's ``ReduceLROnPlateau``) multiplies by ``gamma``
    once for each of the ``reductions`` the validation's plateaus called for (the trainer counts them), down to
    ``min_lr_ratio * base_lr``. Warm-up rises linearly over the first ``warmup_steps`` updates.
    """
    if schedule not in SCHEDULES:
        raise UserError(f"--schedule {schedule!r}: expected one of {', '.join(SCHEDULES)}")
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "cosine":
        factor = min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    elif schedule == "linear":
        factor = min_lr_ratio + (1.0 - min_lr_ratio) * (1.0 - progress)
    elif schedule == "step":
        factor = gamma ** (step // max(step_every, 1))
    elif schedule == "plateau":
        factor = max(gamma ** reductions, min_lr_ratio)
    else:
        factor = 1.0
    if warmup_steps > 0 and step < warmup_steps:
        factor *= (step + 1) / warmup_steps
    return base_lr * factor
