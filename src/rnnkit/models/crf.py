"""Linear-chain conditional random field over tag sequences (Lafferty et al. 2001; as the output layer
of a BiLSTM tagger: Huang et al. 2015, Lample et al. 2016).

What a user gets: :class:`LinearChainCRF` scores a tag sequence y_1..y_n of a sentence with per-token
emission scores E (from the network) as

    s(y) = start[y_1] + Σ_t E[t, y_t] + Σ_{t>1} trans[y_{t-1}, y_t] + end[y_n]

and defines p(y | x) = exp s(y) / Z with Z the sum over all K^n tag sequences. :meth:`log_partition`
computes log Z with the forward algorithm, :meth:`nll` is -log p(y | x) per sentence,
:meth:`viterbi` the highest-scoring sequence and :meth:`marginals` each token's posterior tag probabilities.
Batches are padded on the right; ``mask`` (B, T) is True on each sentence's real tokens (a prefix of each row,
at least one token), and padding never counts.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["LinearChainCRF"]


class LinearChainCRF(nn.Module):
    """Transition scores ``transitions[i, j]`` (tag i then tag j), ``start`` and ``end`` scores."""

    def __init__(self, num_tags: int) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))
        self.start = nn.Parameter(torch.zeros(num_tags))
        self.end = nn.Parameter(torch.zeros(num_tags))

    def score(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """s(y) of each sentence (B,) for emissions (B, T, K), tags (B, T) (any value past the mask)."""
        tags = torch.where(mask, tags, torch.zeros_like(tags))
        m = mask.to(emissions.dtype)
        emitted = (emissions.gather(2, tags.unsqueeze(-1)).squeeze(-1) * m).sum(1)
        moved = (self.transitions[tags[:, :-1], tags[:, 1:]] * m[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1).clamp_min(0)).squeeze(1)
        return self.start[tags[:, 0]] + emitted + moved + self.end[last]

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """log Z of each sentence (B,), by the forward algorithm."""
        alpha = self.start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def marginals(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """(B, T, K) p(y_t = k | x) of each real token (summed over every tag sequence of its sentence; 0 past
        the mask): the gradient of log Z with respect to the emissions (forward-backward by autograd)."""
        # autograd on, also under a caller's inference_mode (a tagger's token_probabilities there was torch's "element
        # 0 of tensors does not require grad"), on copies that are not inference tensors
        with torch.inference_mode(False), torch.enable_grad():
            e, mask = emissions.detach().clone().requires_grad_(True), mask.clone()
            (grad,) = torch.autograd.grad(self.log_partition(e, mask).sum(), e)
        return grad * mask.unsqueeze(-1).to(grad.dtype)

    def nll(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """-log p(tags | x) of each sentence (B,)."""
        return self.log_partition(emissions, mask) - self.score(emissions, tags, mask)

    def best_path(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """The best tag sequence of each sentence as a (B, T) tensor of tag ids (entries past a sentence's
        length repeat its last tag). Under ``torch.jit.trace`` (the ONNX export) the same code runs scripted,
        so its loops over time stay loops of the graph, whatever the length."""
        viterbi = _scripted_best_path() if torch.jit.is_tracing() else _best_path
        return viterbi(emissions, mask, self.transitions, self.start, self.end)

    @torch.no_grad()
    def viterbi(self, emissions: Tensor, mask: Tensor) -> list[list[int]]:
        """The best tag sequence of each sentence, as many tags as it has real tokens."""
        paths = self.best_path(emissions, mask).tolist()
        return [path[:n] for path, n in zip(paths, mask.sum(1).tolist(), strict=True)]


def _best_path(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor) -> Tensor:
    """Viterbi: the highest-scoring tag ids (B, T) (see :meth:`LinearChainCRF.best_path`)."""
    best = start + emissions[:, 0]
    back = []
    for t in range(1, emissions.shape[1]):
        scores, arg = (best.unsqueeze(2) + transitions).max(dim=1)
        back.append(arg)
        best = torch.where(mask[:, t : t + 1], scores + emissions[:, t], best)
    last = (best + end).argmax(-1)
    n = mask.sum(1)
    path = last.unsqueeze(1).repeat(1, emissions.shape[1])
    for i in range(len(back)):  # from the last step back: a step's best predecessor of the tag after it
        t = len(back) - 1 - i
        before = back[t].gather(1, path[:, t + 1 : t + 2]).squeeze(1)
        path[:, t] = torch.where(n - 1 > t, before, last)
    return path


@functools.cache
def _scripted_best_path() -> Any:
    """:func:`_best_path` compiled by ``torch.jit.script`` (once, when first traced)."""
    return torch.jit.script(_best_path)
