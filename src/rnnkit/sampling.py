"""Drawing the next token from a model's scores: temperature, top-k and nucleus (top-p) sampling, as Hugging Face's
``generate`` applies them, shared by the language model's ``sample`` and the translator's and captioner's
``--sample``.

- :func:`choose`: one token id from a row of scores (temperature 0, or one so low that the scores overflow: the
  most likely).
- :func:`nucleus`: the indices of the nucleus of a row (Holtzman et al. 2020).
- :func:`draw`: one index drawn with probability softmax(logits), by one uniform number and its generator.
- :func:`check_sampling`: the settings checked in one line each, naming them.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.errors import SettingError, check_count, check_finite, check_seed

__all__ = ["check_sampling", "choose", "draw", "nucleus"]


def choose(scores: Tensor, temperature: float, top_k: int | None, top_p: float,
           generator: torch.Generator | None) -> int:
    """One token id from the 1-D ``scores`` (logits or log-probabilities; ``-inf`` is never chosen unless
    everything is): the most likely at ``temperature`` 0, else drawn from softmax(scores / temperature) among the
    ``top_k`` most likely, then among the nucleus of ``top_p`` (each after the temperature, as Hugging Face's
    ``generate`` applies them)."""
    scaled = scores / temperature if temperature > 0 else None
    if scaled is None or not scaled.max().isfinite():  # a temperature so low that the scores overflow: greedy
        return int(scores.argmax())
    values, indices = scaled, None
    if top_k is not None and 0 < top_k < scaled.numel():
        values, indices = scaled.topk(top_k)
    if top_p < 1.0:
        kept = nucleus(values, top_p)
        values, indices = values[kept], kept if indices is None else indices[kept]
    return draw(values, generator) if indices is None else int(indices[draw(values, generator)])


def nucleus(logits: Tensor, top_p: float) -> Tensor:
    """The indices of the nucleus of softmax(``logits``) (Holtzman et al. 2020, "The Curious Case of Neural
    Text Degeneration"): the most likely tokens, most likely first, until their probabilities sum to at least
    ``top_p`` (the token that reaches it kept; always at least one), as Hugging Face's ``TopPLogitsWarper``."""
    probs, order = F.softmax(logits.float(), -1).sort(descending=True)
    before = probs.cumsum(0) - probs  # the probability of the tokens more likely than each
    return order[: max(1, int((before < top_p).sum()))]


def draw(logits: Tensor, generator: torch.Generator | None) -> int:
    """One index drawn with probability softmax(logits): inverse CDF of one uniform number (cheaper per
    call than torch.multinomial, and reproducible with the same generator)."""
    cdf = F.softmax(logits, -1).cumsum_(0)
    u = torch.rand(1, generator=generator) * cdf[-1]
    return min(int(torch.searchsorted(cdf, u)), logits.numel() - 1)


def check_sampling(temperature: float, top_k: int | None, top_p: float,
                   seed: int | None) -> tuple[float, int | None, float, int | None]:
    """The sampling settings as Python numbers, each refused in one line naming it: a temperature from 0 (the
    most likely token), ``top_k`` from 1 or None, ``top_p`` above 0 and at most 1 (1: off), any seed torch takes
    or None."""
    temperature = check_finite("temperature", temperature, "expected a finite number >= 0 (0 = greedy)", 0.0)
    if top_k is not None:
        top_k = check_count("top_k", top_k, 1)
    expected = "expected a probability above 0, at most 1 (1 = off)"
    if not 0.0 < check_finite("top_p", top_p, expected) <= 1.0:
        raise SettingError("top_p", top_p, expected)
    if seed is not None:
        seed = check_seed("seed", seed)
    return float(temperature), top_k, float(top_p), seed
