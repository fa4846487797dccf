"""Dynamic evaluation: score a text while the language model keeps learning from it.

What a user gets: :func:`dynamic_log_probs` gives the log-probability of each token of a text, as
:func:`rnnkit.models.language_model.sequence_log_probs` does, except that the model is trained on the
text as it reads it (Mikolov et al. 2010; Krause et al., "Dynamic evaluation of neural sequence
models", ICML 2018). The text is cut into segments; each segment is scored first, then the model takes
one SGD step on that segment's loss, so every token is predicted before the model has seen it, and
the names, words and style of the text so far shape the predictions that follow. The model passed in
is not changed: the adaptation happens on a copy, and each call starts from the trained weights.

With ``rms`` (the root mean square of each weight's gradient on the training text,
:func:`gradient_rms`; a trained language model carries it in its checkpoint) the step is Krause et
al.'s RMS-normalised rule: each weight moves by ``lr · g / (rms + eps)``, so weights whose gradients
were small in training take larger steps, and after each step ``decay`` pulls each weight back towards
its trained value at a rate proportional to its ``rms`` (relative to the mean, at most 1).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.device import gradients_in_eval_mode, model_copy, model_device
from rnnkit.models.language_model import window_log_probs
from rnnkit.recurrent import detach_state

__all__ = ["DYNAMIC_LR", "DYNAMIC_SEGMENT", "LR_LIMIT", "RMS_DECAY", "RMS_EPS", "RMS_LR", "RMS_PREFIX",
           "dynamic_log_probs", "gradient_rms"]

DYNAMIC_LR = 0.3
"""SGD step size on each segment's mean loss (nats per token); chosen on a Bible text, see docs/CHARLM.md."""
RMS_LR = 1e-4
"""Step size of the RMS-normalised rule; chosen with :data:`RMS_DECAY` on a Bible text, see docs/CHARLM.md."""
RMS_DECAY = 0.01
"""Pull back to the trained weights per step, scaled by each weight's RMS over the mean (Krause's λ)."""
RMS_EPS = 2e-5
"""Added to each RMS before dividing (Krause's ε)."""
RMS_PREFIX = "dynamic_rms."
"""Names of the gradient statistics among a checkpoint's tensors: ``dynamic_rms.<parameter name>``."""
DYNAMIC_SEGMENT = 50
"""Tokens scored between two updates."""
LR_LIMIT = float(torch.finfo(torch.float32).max)
"""The largest step size: torch's in-place update takes it as a float32 factor."""


@torch.inference_mode(False)  # it trains a copy of the model: also when called under a caller's inference_mode
def dynamic_log_probs(model: nn.Module, context: Tensor, ids: Tensor, *, lr: float = DYNAMIC_LR,
                      segment: int = DYNAMIC_SEGMENT, decay: float = 0.0, rms: dict[str, Tensor] | None = None,
                      eps: float = RMS_EPS) -> Tensor:
    """Log-probability (natural log) of each token of ``ids`` (1-D) given ``context`` (1-D, at least one
    token) and the tokens before it, with the model updated after every ``segment`` tokens by one SGD
    step of size ``lr`` on their mean loss; ``decay`` pulls the weights that fraction of the way back
    to the trained ones after each step. ``lr=0`` gives the static log-probabilities. ``model`` maps
    ``(ids (T, B), state, time_offset=)`` to ``(logits, state)``, as :class:`LanguageModel` does.

    ``rms`` (parameter name → tensor of its shape, from :func:`gradient_rms`) makes the step
    RMS-normalised (Krause et al. 2018): ``-lr · g / (rms + eps)``, and the pull back after it
    ``min(decay · rms / mean_rms, 1)`` of the way (Krause's rule takes both from the weights before the
    step; here, as for SGD, the pull back follows it), where ``mean_rms`` is the mean over the parameters
    of each one's mean RMS. Statistics that are all one constant give the plain SGD step of
    ``lr / (constant + eps)``.
    """
    if not 0 <= lr <= LR_LIMIT:  # also refuses NaN
        raise ValueError(f"lr must be a number from 0 to {LR_LIMIT:.3g}, got {lr}")
    if segment < 1:
        raise ValueError(f"segment must be a positive number of tokens, got {segment}")
    if not (0.0 <= decay <= 1.0):
        raise ValueError(f"decay must be between 0 and 1, got {decay}")
    adapted = model_copy(model).eval()  # eval: no dropout while adapting; the caller's model is untouched
    rule = _Rule(adapted, lr, decay, rms, eps)
    seq = torch.cat([context, ids]).long().to(model_device(adapted))
    first = len(context) - 1  # index of the target ids[0] among seq[1:]
    out: list[Tensor] = []
    state: Any = None
    for start in range(0, seq.numel() - 1, segment):
        with torch.set_grad_enabled(lr > 0), gradients_in_eval_mode():
            logp, state = window_log_probs(adapted, seq, start, segment, state)
            if lr > 0:  # the loss in here too: under a caller's no_grad it had no gradient to step on
                rule.step(-logp.mean())
        out.append(logp.detach()[max(first - start, 0):])
        state = detach_state(state)
    return torch.cat(out) if out else torch.zeros(0)


class _Rule:
    """One update of the adapted model: plain SGD, or RMS-normalised with ``rms``; then the pull back toward the
    trained weights, at ``decay`` (with ``rms``, each weight's rate ``decay`` times its RMS over the mean RMS, at
    most 1 (Krause et al. 2018); where every RMS is 0 there is nothing to scale by and nothing is pulled back)."""

    def __init__(self, model: nn.Module, lr: float, decay: float, rms: dict[str, Tensor] | None, eps: float) -> None:
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.params = [p for _, p in named]
        self.lr = lr
        self.trained = [p.detach().clone() for p in self.params] if decay else []
        self.scale: list[Tensor] | None = None  # what the gradient is divided by (RMS rule)
        self.rate: list[Tensor | float] = [decay] * len(self.params)
        if rms is not None:
            missing = [n for n, p in named if n not in rms or rms[n].shape != p.shape]
            if missing:
                raise ValueError(f"rms: no statistics of the shape of {missing[0]}")
            stats = [rms[n].to(p.device, p.dtype) for n, p in named]
            self.scale = [r + eps for r in stats]
            mean = sum(float(r.mean()) for r in stats) / max(len(stats), 1)
            self.rate = [(decay * r / mean).clamp(max=1.0) if mean > 0 else torch.zeros_like(r) for r in stats]

    def step(self, loss: Tensor) -> None:
        grads = torch.autograd.grad(loss, self.params, allow_unused=True)
        with torch.no_grad():
            for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
                if g is not None:
                    if self.scale is None:
                        p.add_(g, alpha=-self.lr)
                    else:
                        p.addcdiv_(g, self.scale[i], value=-self.lr)
            for p, p0, rate in zip(self.params, self.trained, self.rate, strict=False):
                p.add_((p0 - p) * rate)


def gradient_rms(model: nn.Module, ids: Tensor, *, streams: int = 64, segment: int = DYNAMIC_SEGMENT,
                 batches: int = 25) -> dict[str, Tensor]:
    """Root mean square, over ``batches`` batches of the training text ``ids`` (1-D), of the gradient of
    each parameter on a batch's mean loss (Krause et al.'s ``MS_g``): ``streams`` parallel streams
    spread over the text, ``segment`` tokens each per batch, the state carried, in eval mode (no
    dropout) on a copy of ``model``, which reads without counts of the text read. A short text gives fewer
    streams and batches (at least one)."""
    m = model_copy(model).eval()
    if getattr(m, "counts", None):   # the copy reads without the counts of the text read (rnnkit.models.counts):
        m.counts = []                # short streams teach them little, and a trainer's best/ stays as cheap
    ids = ids.long().to(next(m.parameters()).device)
    streams = max(1, min(streams, (ids.numel() - 1) // max(segment, 1)))
    length = (ids.numel() - 1) // streams  # tokens per stream, inputs; each has its next token
    if length < 1:
        raise ValueError(f"the text is too short for gradient statistics: {ids.numel()} tokens")
    cols = torch.arange(streams, device=ids.device) * length
    named = [(n, p) for n, p in m.named_parameters() if p.requires_grad]
    total = [torch.zeros_like(p) for _, p in named]
    state: Any = None
    count = 0
    with torch.enable_grad(), gradients_in_eval_mode():  # a trainer may call this under no_grad
        for start in range(0, min(length, batches * segment), segment):
            steps = torch.arange(start, min(start + segment, length), device=ids.device)
            x, y = ids[cols + steps.unsqueeze(1)], ids[cols + steps.unsqueeze(1) + 1]  # (T, B)
            logits, state = m(x, state, time_offset=start)
            loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
            grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
            for t, g in zip(total, grads, strict=True):
                if g is not None:
                    t.addcmul_(g, g)
            state = detach_state(state)
            count += 1
    return {n: (t / count).sqrt() for (n, _), t in zip(named, total, strict=True)}

