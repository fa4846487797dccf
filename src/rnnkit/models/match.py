"""A memory of the text read so far: offer the token that followed the last time the same context was read.

What a user gets: :class:`MatchMemory` turns a language model's next-token logits into the log-probabilities
of a learned mixture with copies from the text's own past. For each of a few context lengths k (the
``orders``), :class:`MatchState` keeps, per stream, a table from the last k tokens to the token that
followed their latest earlier occurrence (the "match model" of context-mixing compressors such as PAQ; a
discrete form of the continuous cache of Grave et al., ICLR 2017). Each order with a match offers its
token as a candidate. The top layer's state scores a sentinel (the model's own softmax, as in Merity et
al.'s pointer sentinel, ICLR 2017) and each candidate, and the scores are soft-maxed together::

    p(next) = a_sentinel * softmax(logits) + sum of a_k over the orders k whose candidate is next

So a name spoken a page back is offered again when its first letters come, and the model learns when to
trust the offer. In training the offers of a share (:data:`HIDE`) of the streams are hidden in each window,
so that the recurrent layers also learn to predict on their own. The tables are carried from window to
window like the recurrent state; they never hold a token the model has not read yet, and the weights do
not change while a text is read.

Tables are bounded: they hold the entries of the current and the previous block of :data:`BLOCK` positions
of a stream (so between one and two blocks of the past), and a stream's state is saved as the tokens of
those blocks (:meth:`MatchState.tensors`), from which :meth:`MatchState.restore` rebuilds the same tables.

Training reads the same streams from an empty memory on every pass, so :func:`replayed` records the offers
of the first pass and reads them back on the next ones (:class:`MatchReplay`). Sampling freezes the memory
after the prime (:meth:`MatchState.freeze`), so that a sample is never offered its own output.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.models.counts import CountMixture, Tallies

__all__ = ["BLOCK", "DEFAULT_ORDERS", "MAX_CONTEXT", "MatchMemory", "MatchReplay", "MatchState", "replayed"]

#: context lengths offered by default (docs/CHARLM.md: 2-24 characters)
DEFAULT_ORDERS = (2, 3, 4, 6, 8, 12, 16, 24)
#: the share of a training batch's streams whose offers are hidden in a window, so that the recurrent model
#: also learns to predict without them (docs/CHARLM.md)
HIDE = 0.25
#: positions per block of a stream's tables: they reach back between one and two blocks
BLOCK = 65_536
#: the longest context a memory (or its counts) takes: a stranger's config of 10^8 characters hashed each window
#: for minutes before the first prediction (the defaults reach 24; a context is hashed once per character of it)
MAX_CONTEXT = 1024
_MOD = 2_147_483_647   # a Mersenne prime: hashes and (token + 1) * power stay inside int64
_BASE = 1_000_003
#: characters (positions x streams) of offers a :class:`MatchReplay` keeps at most (int16: 18 bytes each with 8 orders)
REPLAY_LIMIT = 1 << 22
_TINY = 1e-30          # a probability below any the mixture reaches: log 0 stays finite, its gradient not NaN


class MatchState:
    """What a :class:`MatchMemory` carries for ``batch`` streams: per stream and order, the tables from a
    context's hash to the token that followed its latest occurrence, and the tokens read (for saving).

    :meth:`advance` changes the state in place: a state is read forward once, never twice from one point.
    """

    def __init__(self, orders: Sequence[int], batch: int, block: int | None = None, *,
                 counts: Sequence[int] = (), vocab_size: int = 0) -> None:
        self.orders = tuple(orders)
        self.counts = tuple(sorted(counts))                # also count what followed these contexts (counts.py)
        if self.counts and vocab_size < 1:
            raise ValueError("a memory that counts needs the vocabulary's size")
        self.vocab_size = vocab_size
        self.batch = batch
        self.block = block or BLOCK
        self.position = 0                                  # tokens read per stream
        self.frozen = False                                # looks contexts up without writing (see freeze)
        self.first = 0                                     # the position of history[b][0]
        self.spans = tuple(sorted(set(self.orders) | set(self.counts)))   # the context lengths hashed
        self.context = max(self.spans)                     # tokens the longest context spans
        self.history: list[list[int]] = [[] for _ in range(batch)]
        self.current: list[list[dict[int, int]]] = [[{} for _ in self.orders] for _ in range(batch)]
        self.previous: list[list[dict[int, int]]] = [[{} for _ in self.orders] for _ in range(batch)]
        self.tallies = Tallies(batch, len(self.counts), vocab_size) if self.counts else None
        self.mixture = CountMixture(batch) if self.counts else None
        # the counts' distributions (T, B, V) after the ids of the last advance, until the model's mixture takes
        # them (the state carried to the next window does not hold a window's tensor)
        self.counted: tuple[Tensor, Tensor] | None = None   # the counts' prediction after the ids read
        self._powers = [pow(_BASE, j, _MOD) for j in range(self.context)]

    def freeze(self) -> None:
        """From now on look up the contexts read but write nothing new: what is read next is offered only
        what was read before. Sampling freezes the memory after its prime, so that a sampled text is never
        offered its own earlier output, which would feed loops. A frozen state is not for saving."""
        self.frozen = True

    def detach(self) -> MatchState:
        """The state itself: it holds no tensor of autograd's (for :func:`rnnkit.detach_state`)."""
        return self

    def _hashes(self, ids: Tensor) -> Tensor:
        """Per stream and context length of :attr:`spans`, the hash of the k tokens ending at the last token
        read and at each position of ``ids`` (T, B): T + 1 hashes, the first of a context that ends before
        ``ids``."""
        kept = min(self.context, self.position - self.first)   # every stream's history is as long (0 streams too)
        tail = torch.tensor([h[-self.context:] for h in self.history], dtype=torch.long).view(self.batch, kept) + 1
        pad = torch.zeros(self.batch, self.context - tail.shape[1], dtype=torch.long)   # before the stream began
        ext = torch.cat([pad, tail, ids.t().long().cpu() + 1], 1)                      # (B, context + T)
        ends = ids.shape[0] + 1
        running = torch.zeros(self.batch, ends, dtype=torch.long)
        out = []
        for j in range(self.context):
            start = self.context - 1 - j
            running = (running + ext[:, start : start + ends] * self._powers[j]) % _MOD
            if j + 1 in self.spans:
                out.append(running)
        return torch.stack(out, 1)                        # (B, spans, T + 1)

    def advance(self, ids: Tensor) -> Tensor:
        """Read ``ids`` (T, B): the candidate after each position (T, B, K), -1 where an order has no match."""
        if ids.dim() != 2 or ids.shape[1] != self.batch:
            raise ValueError(f"a memory of {self.batch} stream(s) read ids of shape {tuple(ids.shape)}")
        steps = ids.shape[0]
        all_hashes, tokens = self._hashes(ids), ids.t().long().cpu()
        hashes = all_hashes[:, [self.spans.index(k) for k in self.orders]].tolist()
        counted = all_hashes[:, [self.spans.index(k) for k in self.counts]]
        found: list[list[list[int]]] = [[[] for _ in self.orders] for _ in range(self.batch)]
        if self.tallies is not None:
            self.tallies.start(steps)
        token_lists, start = tokens.tolist(), 0
        while start < steps:                                  # up to a block's end, then the next block
            end = min(steps, start + self.block - (self.position + start) % self.block)
            if (self.position + start) % self.block == 0 and self.position + start and not self.frozen:
                self.previous, self.current = self.current, [[{} for _ in self.orders] for _ in range(self.batch)]
                if self.tallies is not None:
                    self.tallies.roll()
            fresh = self.position + start == 0
            for b in range(self.batch):
                for i in range(len(self.orders)):
                    found[b][i] += self._read(b, i, token_lists[b][start:end], hashes[b][i][start : end + 1], fresh)
            if self.tallies is not None:
                self.tallies.read(tokens[:, start:end], counted[:, :, start : end + 1], fresh, self.frozen, start)
            start = end
        for b in range(self.batch):
            self.history[b].extend(token_lists[b])
        self.position += steps
        self._trim()
        if self.tallies is not None:
            self.counted = self.tallies.distribution(steps, ids.device)
        return torch.tensor(found, dtype=torch.long).view(self.batch, len(self.orders), steps).permute(2, 0, 1).to(
            ids.device)

    def _read(self, b: int, i: int, tokens: list[int], hashes: list[int], fresh: bool) -> list[int]:
        """Stream ``b``'s tables of order ``i`` read ``tokens``; ``hashes`` are those of the contexts ending
        before the first token (ignored on a ``fresh`` stream, where nothing came before) and at each token.
        Each position's candidate: each token first becomes the entry of the context that ended before it,
        then the context ending at it is looked up (so a lookup sees every token read, and no later one)."""
        current, get, older = self.current[b][i], self.current[b][i].get, self.previous[b][i].get
        out = []
        last = None if fresh else hashes[0]
        for token, h in zip(tokens, hashes[1:], strict=True):
            if last is not None and not self.frozen:
                current[last] = token
            c = get(h)
            out.append(older(h, -1) if c is None else c)
            last = h
        return out

    def _trim(self) -> None:
        """Keep the tokens of the current and previous block, and the context before them."""
        # the longest context ending just before the oldest entry's token is needed to rebuild that entry
        first = max(0, max(0, (self.position // self.block - 1) * self.block) - self.context)
        if first > self.first:
            self.history = [h[first - self.first:] for h in self.history]
            self.first = first

    def tensors(self) -> Tensor:
        """The state as one int64 tensor (B, 1 + tokens): the position read, then the tokens kept."""
        head = torch.full((self.batch, 1), self.position, dtype=torch.long)
        kept = self.position - self.first
        return torch.cat([head, torch.tensor(self.history, dtype=torch.long).view(self.batch, kept)], 1)

    @classmethod
    def restore(cls, saved: Tensor, orders: Sequence[int], vocab_size: int, block: int | None = None) -> MatchState:
        """The state :meth:`tensors` saved, its tables rebuilt by reading its tokens again; ``ValueError``
        naming what is wrong with a damaged one (not whole numbers, tokens outside ``vocab_size``, counts
        that do not add up)."""
        if saved.is_floating_point() or saved.dim() != 2 or saved.shape[1] < 1:
            raise ValueError(f"a saved match memory is whole numbers (streams, 1 + tokens), got a {saved.dtype} "
                             f"tensor of shape {tuple(saved.shape)}")
        saved = saved.cpu()
        # no stream, no position saved: as many tokens read as kept (nothing read depends on it)
        position, tokens = int(saved[0, 0]) if saved.shape[0] else saved.shape[1] - 1, saved[:, 1:]
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= vocab_size):
            raise ValueError(f"a saved match memory holds token ids outside the vocabulary of {vocab_size}")
        if bool((saved[:, 0] != position).any()):
            raise ValueError("a saved match memory's streams read different numbers of tokens")
        state = cls(orders, saved.shape[0], block)
        block = state.block
        first = position - tokens.shape[1]
        start = max(0, (position // block - 1) * block)    # where the oldest table entries were read
        if not 0 <= first <= start:
            raise ValueError(f"a saved match memory holds {tokens.shape[1]} tokens of {position} read")
        state.first, state.position = first, start
        state.history = tokens[:, : start - first].tolist()   # the context of the first token read again
        if position > start:
            state.advance(tokens[:, start - first :].t())
        return state


class MatchReplay:
    """The offers of the windows a fresh memory read, kept to be read again: training reads the same streams
    from an empty memory on every pass over its text, so from the second pass on the tables need not be built
    again. A window is replayed only when its tokens, and those of every window before it in the pass, are
    the ones recorded; anything else is computed as usual. At most :data:`REPLAY_LIMIT` positions are kept."""

    def __init__(self, orders: Sequence[int], limit: int = REPLAY_LIMIT, block: int | None = None) -> None:
        self.orders = tuple(orders)
        self.limit = limit
        self.block = block
        self.windows: dict[int, tuple[Tensor, Tensor]] = {}   # start position -> (tokens, offers), int16/int32
        self.size = 0

    def start(self, batch: int) -> MatchState:
        """A fresh memory of ``batch`` streams that replays what was recorded and records what was not."""
        return _Replayed(self, batch)

    def record(self, position: int, ids: Tensor, offers: Tensor) -> bool:
        """Keep the offers of ``ids`` read from ``position`` by a memory that read the recorded windows before
        them; False when they cannot be kept (another window is recorded there, or the limit is reached). An
        empty window (no tokens, as a memory reads one) keeps nothing and leaves the record whole: True."""
        if not ids.numel():
            return True
        if position in self.windows or self.size + ids.numel() > self.limit:
            return False
        # an offer can be a token of an earlier window, larger than any of this one
        dtype = torch.int16 if max(int(ids.max()), int(offers.max())) < 2**15 else torch.int32
        self.windows[position] = (ids.to("cpu", dtype), offers.to("cpu", dtype))
        self.size += ids.numel()
        return True

    def recorded(self, position: int, ids: Tensor) -> Tensor | None:
        """The offers recorded for ``ids`` read from ``position``, or None; an empty window's (no tokens) are empty."""
        if not ids.numel():   # the replay goes on past it: reading nothing changes no table
            return torch.empty((*ids.shape, len(self.orders)), dtype=torch.long, device=ids.device)
        hit = self.windows.get(position)
        if hit is None or hit[0].shape != ids.shape or not torch.equal(hit[0].long(), ids.cpu().long()):
            return None
        return hit[1].to(ids.device, torch.long)


class _Replayed(MatchState):
    """A :class:`MatchState` whose tables are built only once a window is not found in its replay."""

    def __init__(self, replay: MatchReplay, batch: int) -> None:
        super().__init__(replay.orders, batch, replay.block)
        self.replay = replay
        self.built = False      # tables in step with the tokens read (else every window so far was replayed)
        self.faithful = True    # every window read so far is the one recorded at its position

    def advance(self, ids: Tensor) -> Tensor:
        start = self.position
        if not self.built:
            offers = self.replay.recorded(start, ids)
            if offers is not None:
                for b, tokens in enumerate(ids.t().tolist()):
                    self.history[b].extend(tokens)
                self.position += ids.shape[0]
                self._trim()
                return offers
            self._build()
        offers = super().advance(ids)
        self.faithful = self.faithful and self.replay.record(start, ids, offers)
        return offers

    def _build(self) -> None:
        """Build the tables of the windows replayed so far, from the tokens kept (as a checkpoint's are)."""
        if self.position:
            saved = self.tensors()
            rebuilt = MatchState.restore(saved, self.orders, 1 + int(saved[:, 1:].max()), self.block)
            self.current, self.previous = rebuilt.current, rebuilt.previous
        self.built = True


def replayed(loss_fn: Callable[..., Any], orders: Sequence[int]) -> Callable[..., Any]:
    """``loss_fn(model, batch, state)`` (:func:`rnnkit.train.tbptt.tbptt_lm_loss`) for a language model with a
    memory: each pass starts from a memory that replays the offers of the first pass (:class:`MatchReplay`),
    so the tables cost time on the first pass only. The result is the same, bit for bit."""
    replay = MatchReplay(orders)

    def loss(model: nn.Module, batch: Any, state: Any) -> Any:
        if batch.reset:
            state = (None, replay.start(batch.inputs.shape[1]))
            batch = dataclasses.replace(batch, reset=False)
        return loss_fn(model, batch, state)

    return loss


class MatchMemory(nn.Module):
    """``log_probs = memory(h (T, B, H), logits (T, B, V), candidates (T, B, K))``: the mixture of the
    module doc. ``candidates`` come from :meth:`MatchState.advance` (-1: no match for that order)."""

    def __init__(self, hidden_size: int, orders: Sequence[int] = DEFAULT_ORDERS, hide: float = HIDE) -> None:
        super().__init__()
        self.hide = hide
        orders = tuple(int(k) for k in orders)
        if not orders or min(orders) < 1 or max(orders) > MAX_CONTEXT or len(set(orders)) != len(orders):
            raise ValueError(f"match orders must be distinct context lengths from 1 to {MAX_CONTEXT}, "
                             f"got {list(orders)}")
        self.orders = tuple(sorted(orders))
        self.score = nn.Linear(hidden_size, len(orders) + 1)        # the sentinel's and each order's score
        self.agree = nn.Parameter(torch.zeros(len(orders)))           # times log p_model(candidate)
        with torch.no_grad():                                          # start mostly on the model's softmax
            self.score.weight.mul_(0.1)
            self.score.bias.zero_()
            self.score.bias[0] = math.log(len(orders)) + 2.0

    def forward(self, h: Tensor, logits: Tensor, candidates: Tensor) -> Tensor:
        with torch.autocast(h.device.type, enabled=False):
            dtype = torch.promote_types(self.score.weight.dtype, torch.float32)   # float64 in a .double() model
            log_p = F.log_softmax(logits.to(dtype), -1)
            scores = F.linear(h.to(dtype), self.score.weight.to(dtype), self.score.bias.to(dtype))
            sentinel, offered = scores[..., :1], scores[..., 1:]
            has = candidates >= 0
            if self.training and self.hide > 0:   # some streams' windows without offers: the model learns alone too
                has = has & (torch.rand(has.shape[1], 1, device=has.device) >= self.hide)
            index = candidates.clamp(min=0)
            offered = (offered + self.agree * log_p.gather(-1, index)).masked_fill(~has, -math.inf)
            log_z = torch.logsumexp(torch.cat([sentinel, offered], -1), -1, keepdim=True)
            copied = torch.zeros_like(log_p).scatter_add_(-1, index, torch.exp(offered - log_z))
            return torch.logaddexp(sentinel - log_z + log_p, copied.clamp_min(_TINY).log())
