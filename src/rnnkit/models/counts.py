"""Counts of the text read so far, mixed into a language model's prediction with a weight learnt as it reads.

What a user gets: besides the trained memory of :mod:`rnnkit.models.match`, which offers the one token that
followed a context's latest occurrence, a model can also keep **how often** each token followed each of its
last 1 to 7 tokens in the text it is reading (a cache model, Kuhn & De Mori 1990, in the form of the
character n-grams of PPM compressors). Their probability of the next token is interpolated from the longest
context down with an absolute discount (:data:`DISCOUNT`, as Kneser-Ney's) to the model's own prediction,
which takes what the discounts free (so counts that know nothing change nothing), and mixed with it:

    p(next) = (1 - w) * p_model + w * p_counts

The weight ``w`` is not trained and not chosen on any text: it is the posterior mean of a Bayesian mixture
over a fixed grid of weights (:data:`WEIGHTS`, 0 included), updated after each token by how well each weight
predicted it, so a text that repeats itself soon trusts its counts and one that does not falls back to the
model: over a whole text, at most log 2 nats worse than never counting, and at most ``log(14)`` worse than
the best weight of the grid (:data:`PRIOR`).

Nothing of the training text is kept: the counts, like the memory's tables, hold only tokens already read
in the same stream, within the memory's blocks (:data:`rnnkit.models.match.BLOCK`), and are kept while a
model reads in eval mode (validation, ``score``, ``score --dynamic``); training does not count, and neither
does ``sample``: a prime's counts know little, and samples stay what the model and its memory write. A
frozen memory neither counts nor updates its weight. docs/CHARLM.md has the figures.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from rnnkit import native

__all__ = ["DEFAULT_COUNTS", "DISCOUNT", "PRIOR", "WEIGHTS", "CountMixture", "Tallies", "tally"]

#: context lengths counted by default: the characters before the next one, 1 to 7
DEFAULT_COUNTS = (1, 2, 3, 4, 5, 6, 7)
#: subtracted from each count; what it frees goes to the next shorter context (absolute discounting; below 1,
#: so that every token seen keeps a share)
DISCOUNT = 0.75
#: the weights of the counts the mixture chooses among, as it reads
WEIGHTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
#: the belief in each weight before a text is read: half on not counting, so that a short text, whose counts
#: know little, loses at most log 2 nats in all to them; the rest evenly
PRIOR = torch.tensor([0.5] + [0.5 / (len(WEIGHTS) - 1)] * (len(WEIGHTS) - 1), dtype=torch.float64)

Table = dict[int, int]
_DTYPES = (np.int64, np.int64, np.float64)   # of tally's rows, tokens, probabilities


def tally(current: list[dict[int, Table]], previous: list[dict[int, Table]], tokens: list[int],
          hashes: list[list[int]], fresh: bool, frozen: bool, vocab_size: int,
          row: int, rows: int, out: tuple[list[int], list[int], list[float], list[float]]) -> None:
    """Count one stream's ``tokens`` and append its counts' prediction of the token after each of them.

    ``current``/``previous`` hold, per counted order (shortest first), the tables of this and the last block
    from a context's hash to how often each token followed it; ``hashes[i]`` are order i's context hashes
    before the first token and at each token (ignored on a ``fresh`` stream). A token is first counted after
    the contexts that ended before it, then the contexts ending at it are looked up. Position t's
    prediction goes to row ``row + t * rows`` of ``out``: the share left to the model's own prediction
    (``out[3]``, sized for every row) and sparse entries (``out[0:3]``: row, token, probability)."""
    rows_out, cols, vals, rest = out
    last = [None if fresh else h[0] for h in hashes]
    for t, token in enumerate(tokens):
        found = []
        for i, h in enumerate(hashes):
            if last[i] is not None and not frozen:
                table = current[i].get(last[i])
                if table is None:
                    current[i][last[i]] = {token: 1}
                else:
                    table[token] = table.get(token, 0) + 1
            last[i] = h[t + 1]
            counts = _merged(current[i].get(last[i]), previous[i].get(last[i]))
            if counts:
                found.append(counts)
        share, r = 1.0, row + t * rows
        for counts in reversed(found):        # the longest context first: what its discount frees goes on down
            total = sum(counts.values())
            scale = share / total
            rows_out.extend([r] * len(counts))
            cols.extend(counts)
            vals.extend([scale * (c - DISCOUNT) for c in counts.values()])   # every count >= 1 > DISCOUNT
            share *= DISCOUNT * len(counts) / total
        rest[r] = share


def _merged(a: Table | None, b: Table | None) -> Table | None:
    if a is None or b is None:
        return a if b is None else b
    out = dict(b)
    for tok, c in a.items():
        out[tok] = out.get(tok, 0) + c
    return out


class Tallies:
    """The counts' tables of ``batch`` streams for ``orders`` context lengths, and each position's prediction
    from them: in C++ (``rnnkit/native/tally.cpp``) where the fused kernels build, else in Python dicts
    (:func:`tally`, the reference), with the same numbers. Fill a window's rows with :meth:`read`, block by
    block (:meth:`roll` between blocks), then take them as tensors with :meth:`distribution`. Both kinds
    deep-copy and pickle (``copy.deepcopy`` of a language model's carried state)."""

    def __init__(self, batch: int, orders: int, vocab_size: int) -> None:
        self.batch, self.orders, self.vocab_size = batch, orders, vocab_size
        self.native = torch.classes.rnnkit_native.Tally(batch, orders, DISCOUNT) if native.ops() else None
        if self.native is None:
            self.current: list[list[dict[int, Table]]] = [[{} for _ in range(orders)] for _ in range(batch)]
            self.previous: list[list[dict[int, Table]]] = [[{} for _ in range(orders)] for _ in range(batch)]
        self.p = self.rest = torch.zeros(0, dtype=torch.float64)

    def roll(self) -> None:
        """A new block: the current tables become the previous ones, and the current ones start empty."""
        if self.native is not None:
            self.native.roll()
        else:
            self.previous, self.current = self.current, [[{} for _ in range(self.orders)] for _ in range(self.batch)]

    def start(self, steps: int) -> None:
        """Rows for a window of ``steps`` positions of every stream, the counts' prediction after each."""
        self.p = torch.zeros(steps * self.batch, self.vocab_size, dtype=torch.float64)
        self.rest = torch.zeros(steps * self.batch, dtype=torch.float64)

    def read(self, tokens: Tensor, hashes: Tensor, fresh: bool, frozen: bool, first: int) -> None:
        """Count ``tokens`` (B, T), positions ``first`` to ``first + T - 1`` of the window :meth:`start` made
        rows for, with their contexts' ``hashes`` (B, orders, T + 1; the first of the contexts that end
        before them, ignored on a ``fresh`` stream); nothing is counted when ``frozen``."""
        if self.native is not None:
            self.native.read(tokens, hashes, fresh, frozen, self.p, self.rest, first)
            return
        out: tuple[list[int], list[int], list[float], list[float]] = ([], [], [], self.rest.tolist())
        for b, (toks, hs) in enumerate(zip(tokens.tolist(), hashes.tolist(), strict=True)):
            tally(self.current[b], self.previous[b], toks, hs, fresh, frozen, self.vocab_size,
                  b + first * self.batch, self.batch, out)
        rows, cols, vals = (torch.from_numpy(np.array(x, dtype=t)) for x, t in zip(out[:3], _DTYPES, strict=True))
        self.p.index_put_((rows, cols), vals, accumulate=True)
        self.rest = torch.tensor(out[3], dtype=torch.float64)

    def distribution(self, steps: int, device: torch.device) -> tuple[Tensor, Tensor]:
        """The window's counted probabilities ``(steps, batch, vocab_size)`` and the share ``(steps, batch,
        1)`` they leave to the model's own prediction (float32, as the model's; summed in float64)."""
        p, rest = self.p.view(steps, self.batch, self.vocab_size), self.rest.view(steps, self.batch, 1)
        self.p = self.rest = torch.zeros(0, dtype=torch.float64)
        return p.to(device, torch.float32), rest.to(device, torch.float32)


class CountMixture:
    """The weight of the counts in a model's prediction, learnt per stream as the text is read: call it on a
    window's log-probabilities and counted distributions to get the mixture's log-probabilities, window after
    window. It keeps each stream's belief in each of :data:`WEIGHTS` (log-posterior), and the last position's
    prediction and counts, waiting for the token that follows them (the next window's first)."""

    def __init__(self, batch: int) -> None:
        self.log_belief = PRIOR.log().expand(batch, -1).clone()
        self.waiting: tuple[Tensor, Tensor, Tensor] | None = None

    def __call__(self, log_probs: Tensor, ids: Tensor, counted: tuple[Tensor, Tensor], frozen: bool) -> Tensor:
        """``log_probs`` (T, B, V) of the model mixed with the ``counted`` prediction of :meth:`Tallies.distribution`
        for the tokens after ``ids`` (T, B); the belief learns from each token of ``ids`` after the first and
        from the first one's predecessor, unless ``frozen``."""
        belief = self.log_belief.to(log_probs.device)
        counts, rest = counted
        with torch.no_grad():
            if frozen:
                steps = belief.expand(ids.shape[0], *belief.shape)
            else:
                if self.waiting is not None:
                    belief = belief + _evidence(*self.waiting, ids[0])
                seen = _evidence(log_probs[:-1].detach(), counts[:-1], rest[:-1], ids[1:]).cumsum(0)
                steps = torch.cat([belief[None], belief + seen])
                self.log_belief = steps[-1] - steps[-1].max(-1, keepdim=True).values
                # copies: views of the last row would keep the whole window alive until the next
                self.waiting = (log_probs[-1].detach().clone(), counts[-1].clone(), rest[-1].clone())
            w = (torch.softmax(steps, -1) * _grid(steps)).sum(-1, keepdim=True)
        with torch.autocast(log_probs.device.type, enabled=False):
            dtype = torch.promote_types(log_probs.dtype, torch.float32)
            w, rest = w.to(dtype), rest.to(dtype)
            # (1 - w) p_model + w (counts + rest p_model)
            return torch.logaddexp(log_probs.to(dtype) + torch.log1p(w * (rest - 1)), (counts.to(dtype) * w).log())


def _grid(like: Tensor) -> Tensor:
    return torch.tensor(WEIGHTS, dtype=torch.float64, device=like.device)


def _evidence(log_probs: Tensor, counts: Tensor, rest: Tensor, nxt: Tensor) -> Tensor:
    """log p(nxt) under each weight of the grid, from the model's ``log_probs``, the ``counts`` (..., B, V)
    and the ``rest`` (..., B, 1) they leave to the model: (..., B, len(WEIGHTS))."""
    idx = nxt.long().unsqueeze(-1)
    a = log_probs.gather(-1, idx).double().exp()
    b = counts.gather(-1, idx).double() + rest.double() * a
    grid = _grid(a)
    return ((1 - grid) * a + grid * b).log()
