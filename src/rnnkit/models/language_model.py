"""Language model: embedding → :class:`rnnkit.Recurrent` stack → linear softmax over the vocabulary.

What a user gets: :class:`LanguageModel` maps time-major token ids ``(T, B)`` and an optional carried
state to next-token logits ``(T, B, V)`` and the new state, so text can be trained window by window
(truncated BPTT), scored, or generated one token at a time with the state carried (each new token
costs one step, not a rerun of the prefix). Any cell of :data:`rnnkit.cells.CELLS` works (``lstm``,
``gru``, ``clockwork``, ``mingru`` ...).

With ``memory=[2, 3, ...]`` (context lengths) the model also copies from the text it has read
(:mod:`rnnkit.models.match`): it then returns log-probabilities of its mixture, which every caller uses as
logits (they are already normalised), and its state is ``(recurrent state, MatchState)``. With ``counts=[1,
..., 7]`` as well, a model reading in eval mode also mixes in how often each token followed those contexts in
the text read (:mod:`rnnkit.models.counts`), with a weight it learns as it reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.device import model_device
from rnnkit.dropout import Dropout
from rnnkit.errors import UserError
from rnnkit.models.match import MAX_CONTEXT, MatchMemory, MatchState
from rnnkit.recurrent import Recurrent, stack_parameters
from rnnkit.sampling import choose

__all__ = ["LanguageModel", "generate", "sequence_log_probs", "window_log_probs"]


class LanguageModel(nn.Module):
    """Next-token model: ``logits, state = lm(ids (T, B), state=None)``.

    ``config()`` returns the keyword arguments that rebuild it: ``LanguageModel(**lm.config())``.
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        cell: str = "lstm",
        hidden_size: int = 512,
        num_layers: int = 2,
        embed_dim: int = 64,
        dropout: float = 0.0,
        memory: Sequence[int] = (),
        counts: Sequence[int] = (),
        **cell_options: Any,
    ) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embed_dim = embed_dim
        self.dropout_p = dropout
        self.cell_options = dict(cell_options)
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        # torch's between-layer dropout; one layer has none (and torch would warn about it)
        self.rnn = Recurrent(cell, embed_dim, hidden_size, num_layers=num_layers,
                             dropout=dropout if num_layers > 1 else 0.0, **cell_options)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)
        # copies from the text read so far, for contexts of these lengths (rnnkit.models.match); the state is
        # then (recurrent state, MatchState)
        self.match = MatchMemory(hidden_size, memory) if memory else None
        self.memory = list(self.match.orders) if self.match else []
        # how often each token followed these contexts in the text read, mixed in when reading in eval mode
        self.counts = sorted(int(k) for k in counts)
        if self.counts and (not memory or self.counts[0] < 1 or self.counts[-1] > MAX_CONTEXT
                            or len(set(self.counts)) != len(self.counts)):
            raise ValueError(f"counts must be distinct context lengths from 1 to {MAX_CONTEXT} beside a memory, got "
                             f"{list(counts)} with memory {list(memory)}")

    @staticmethod
    def count_parameters(vocab_size: int, *, cell: str = "lstm", hidden_size: int = 512, num_layers: int = 2,
                         embed_dim: int = 64, memory: Sequence[int] = (), layer_norm: bool = False,
                         **unused: Any) -> int:
        """The parameters of ``LanguageModel(vocab_size, ...)`` with these arguments, counted without
        building it (:func:`rnnkit.train.memory.check_fits` asks before a run builds one)."""
        orders = len(memory)
        recurrent = stack_parameters(cell, embed_dim, hidden_size, num_layers, layer_norm=layer_norm)
        return (vocab_size * embed_dim + recurrent + (hidden_size + 1) * vocab_size
                + ((hidden_size + 1) * (orders + 1) + orders if orders else 0))

    def config(self) -> dict[str, Any]:
        return {
            "vocab_size": self.vocab_size,
            "cell": self.cell,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "embed_dim": self.embed_dim,
            "dropout": self.dropout_p,
            **({"memory": self.memory} if self.memory else {}),
            **({"counts": self.counts} if self.counts else {}),
            **self.cell_options,
        }

    def forward(self, ids: Tensor, state: Any = None, time_offset: int = 0) -> tuple[Tensor, Any]:
        state, memory = self._split(state, ids)
        x = self.drop(self.embedding(ids))   # dropout on the non-recurrent connections (Zaremba et al. 2014)
        kw = {"time_offset": time_offset} if self.cell == "clockwork" else {}
        if torch.is_autocast_enabled(x.device.type) and not self.rnn.uses_fused():
            # the reference loop is not autocast-aware: run it in fp32 inside a bf16 region
            with torch.autocast(x.device.type, enabled=False):
                out, state = self.rnn(x.float(), _to_float(state), **kw)
        elif kw:
            out, state = self.rnn(x, state, **kw)
        else:
            out, state = self.rnn(x, state)
        out = self.drop(out)
        if self.match is None:
            return self.head(out), state
        return self._mixed(out, self.head(out), ids, memory), (state, memory)


    def step(self, ids: Tensor, state: Any = None, t: int | None = None) -> tuple[Tensor, Any]:
        """One token per row: ids (B,) → next-token logits (B, V) and the new state, through
        :meth:`rnnkit.Recurrent.step` (each new token costs one recurrent step; ``t`` is its position, which a
        Clockwork RNN given a state needs)."""
        state, memory = self._split(state, ids[None])
        out, state = self._recurrent_step(ids, state, t)
        logits = F.linear(out, self.head.weight, self.head.bias)  # no module call per token
        if self.match is None:
            return logits, state
        return self._mixed(out[None], logits[None], ids[None], memory)[0], (state, memory)

    def own_step(self, ids: Tensor, state: Any = None, t: int | None = None) -> tuple[Tensor, Any]:
        """:meth:`step` without the memory of the text read (and its counts): the recurrent model's own logits,
        the state the recurrent one alone, so that a state may be carried into several continuations (a
        decoder's hypotheses) where a memory, which each token read changes in place, could not."""
        out, state = self._recurrent_step(ids, state, t)
        return F.linear(out, self.head.weight, self.head.bias), state

    def _recurrent_step(self, ids: Tensor, state: Any, t: int | None) -> tuple[Tensor, Any]:
        x = torch.embedding(self.embedding.weight, ids)  # the op, no wrapper
        if self.training:
            x = self.drop(x)
        out, state = self.rnn.step(x, state, t)
        if self.training:
            out = self.drop(out)
        return out, state

    def _mixed(self, out: Tensor, logits: Tensor, ids: Tensor, memory: MatchState) -> Tensor:
        """The memory's mixture for ``ids`` read, and the counts' mixed in when the memory keeps them."""
        assert self.match is not None
        log_probs = self.match(out, logits, memory.advance(ids))
        counted, memory.counted = memory.counted, None
        if memory.mixture is None or counted is None:
            return log_probs
        return memory.mixture(log_probs, ids, counted, memory.frozen)

    def _split(self, state: Any, ids: Tensor) -> tuple[Any, MatchState | None]:
        """The recurrent state and the memory of the text read (a fresh one for a new stream; one saved as a
        tensor by a checkpoint is rebuilt)."""
        if self.match is None:
            return state, None
        recurrent, memory = state if state is not None else (None, None)
        if memory is None:   # training does not count (rnnkit.models.counts)
            memory = MatchState(self.match.orders, ids.shape[1], counts=() if self.training else self.counts,
                                vocab_size=self.vocab_size)
        elif isinstance(memory, Tensor):
            try:
                memory = MatchState.restore(memory, self.match.orders, self.vocab_size)
            except ValueError as exc:
                raise UserError(f"the checkpoint's carried memory of the text read is damaged ({exc}); resume "
                                "from an undamaged run or start afresh") from None
        return recurrent, memory


def _to_float(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.float() for s in state)
    return state.float()


@torch.no_grad()
def sequence_log_probs(model: LanguageModel, context: Tensor, ids: Tensor, *, window: int = 4096) -> Tensor:
    """Log-probability of each token of ``ids`` (1-D) given ``context`` (1-D, at least one token)
    and the tokens before it: a tensor of ``len(ids)`` log-probabilities (natural log). The text is read
    ``window`` tokens at a time with the state carried, so a long text costs one window's activations."""
    if context.numel() < 1:  # the first token of ids has no prediction then: one log-prob came back for three ids
        raise ValueError("sequence_log_probs: the context must hold at least one token")
    if ids.numel() == 0:  # nothing to score (torch.cat of no windows said only "expected a non-empty list")
        return torch.empty(0, device=model_device(model))
    seq = torch.cat([context, ids]).long().to(model_device(model))
    out: list[Tensor] = []
    state: Any = None
    for start in range(0, seq.numel() - 1, window):
        logp, state = window_log_probs(model, seq, start, window, state)
        out.append(logp)
    return torch.cat(out)[len(context) - 1 :]


def window_log_probs(model: nn.Module, seq: Tensor, start: int, size: int, state: Any) -> tuple[Tensor, Any]:
    """Log-probabilities of ``seq[start + 1 : start + size + 1]`` (fewer at the end of ``seq``), each given
    the tokens before it, reading ``seq[start : start + size]`` from the carried ``state``: the log-probs
    and the new state. ``model`` maps ``(ids (T, 1), state, time_offset=)`` to ``(logits, state)``."""
    inputs = seq[start : min(start + size, seq.numel() - 1)]
    logits, state = model(inputs.unsqueeze(1), state, time_offset=start)
    targets = seq[start + 1 : start + 1 + inputs.numel()]
    return F.log_softmax(logits[:, 0].float(), -1).gather(1, targets.unsqueeze(1)).squeeze(1), state


@torch.no_grad()
def generate(
    model: LanguageModel,
    prime: Tensor,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    banned: list[int] | None = None,
    top_p: float = 1.0,
) -> Iterator[int]:
    """Yield ``length`` new token ids after ``prime`` (1-D ids), one model step each.

    The hidden state is carried from token to token, so each new token costs one recurrent step.
    Temperature 0 picks the most likely token (greedy); ``top_k`` keeps only the k most likely; ``top_p``
    below 1 then keeps only the nucleus (:func:`rnnkit.sampling.nucleus`); each after the temperature, as Hugging Face's
    ``generate`` applies them;
    ``banned`` ids (e.g. the unknown symbol) are never produced. A model's memory of the text read
    (:mod:`rnnkit.models.match`) reads the prime and is then frozen: it offers what followed a context in the
    prime, never what the sample itself produced (a sample offered its own output falls into loops). Sampling
    does not mix in the counts of the text read (:mod:`rnnkit.models.counts`), which are for scoring.
    """
    model.eval()
    device = model_device(model)
    # a memory without the counts of the text read (rnnkit.models.counts): a prime's counts know little, and
    # samples stay what the model and its memory write
    state = (None, MatchState(model.match.orders, 1)) if model.match is not None else None
    logits, state = model(prime.long().view(-1, 1).to(device), state)
    if model.match is not None:   # the memory offers what the prime holds, never the sample's own output
        state[1].freeze()
    last = logits[-1, 0].float().cpu()  # drawn on the CPU, with its generator: one seed, one text on any device
    offset = prime.numel()
    token = torch.empty(1, dtype=torch.long, device=device)
    mask = torch.zeros_like(last)
    if banned:
        mask[torch.tensor(banned, dtype=torch.long)] = float("-inf")
    for _ in range(length):
        nxt = choose(last + mask, temperature, top_k, top_p, generator)
        yield nxt
        token[0] = nxt
        logits, state = model.step(token, state, offset)
        last = logits[0].float().cpu()
        offset += 1
