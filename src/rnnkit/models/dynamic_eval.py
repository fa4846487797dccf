"""Dynamic evaluation: score a text while the language model keeps learning from it.

What a user gets: :func:`dynamic_log_probs` gives the log-probability of each token of a text, as
:func:`rnnkit.models.language_model.sequence_log_probs` does, except that the model is trained on the
text as it reads it (Mikolov et al. 2010; Krause et al., "Dynamic evaluation of neural sequence
models", ICML 2018). The text is cut into segments; each segment is scored first, then the model takes
one SGD step on that segment's loss, so every token is predicted before the model has seen it, and
the names, words and style of the text so far shape the predictions that follow. The model passed in
is not changed: the adaptation happens on a copy, and each call starts from the trained weights.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.models.language_model import window_log_probs
from rnnkit.recurrent import detach_state

__all__ = ["DYNAMIC_LR", "DYNAMIC_SEGMENT", "LR_LIMIT", "dynamic_log_probs"]

DYNAMIC_LR = 0.3
"""SGD step size on each segment's mean loss (nats per token); chosen on a Bible text, see docs/CHARLM.md."""
DYNAMIC_SEGMENT = 50
"""Tokens scored between two updates."""
LR_LIMIT = float(torch.finfo(torch.float32).max)
"""The largest step size: torch's in-place update takes it as a float32 factor."""


def dynamic_log_probs(model: nn.Module, context: Tensor, ids: Tensor, *, lr: float = DYNAMIC_LR,
                      segment: int = DYNAMIC_SEGMENT, decay: float = 0.0) -> Tensor:
    """Log-probability (natural log) of each token of ``ids`` (1-D) given ``context`` (1-D, at least one
    token) and the tokens before it, with the model updated after every ``segment`` tokens by one SGD
    step of size ``lr`` on their mean loss; ``decay`` pulls the weights that fraction of the way back
    to the trained ones after each step. ``lr=0`` gives the static log-probabilities. ``model`` maps
    ``(ids (T, B), state, time_offset=)`` to ``(logits, state)``, as :class:`LanguageModel` does.
    """
    if not 0 <= lr <= LR_LIMIT:  # also refuses NaN
        raise ValueError(f"lr must be a number from 0 to {LR_LIMIT:.3g}, got {lr}")
    if segment < 1:
        raise ValueError(f"segment must be a positive number of tokens, got {segment}")
    if not (0.0 <= decay <= 1.0):
        raise ValueError(f"decay must be between 0 and 1, got {decay}")
    adapted = copy.deepcopy(model).eval()  # eval: no dropout while adapting; the caller's model is untouched
    trained = [p.detach().clone() for p in adapted.parameters()] if decay else []
    seq = torch.cat([context, ids]).long()
    first = len(context) - 1  # index of the target ids[0] among seq[1:]
    out: list[Tensor] = []
    state: Any = None
    for start in range(0, seq.numel() - 1, segment):
        with torch.set_grad_enabled(lr > 0):
            logp, state = window_log_probs(adapted, seq, start, segment, state)
        out.append(logp.detach()[max(first - start, 0):])
        state = detach_state(state)
        if lr > 0:
            _step(adapted, -logp.mean(), lr, trained, decay)
    return torch.cat(out) if out else torch.zeros(0)


def _step(model: nn.Module, loss: Tensor, lr: float, trained: list[Tensor], decay: float) -> None:
    params = [p for p in model.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    with torch.no_grad():
        for p, g in zip(params, grads, strict=True):
            if g is not None:
                p.add_(g, alpha=-lr)
        if decay:
            for p, p0 in zip(model.parameters(), trained, strict=True):
                p.lerp_(p0, decay)

