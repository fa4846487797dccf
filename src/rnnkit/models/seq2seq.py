"""Encoder-decoder (sequence to sequence) with attention, teacher forcing, greedy and beam-search decoding.

What a user gets: :class:`Seq2Seq`, a model that reads a padded batch of source ids and writes target
ids. The encoder is an embedding and a :class:`rnnkit.Recurrent` stack (any cell, optionally
bidirectional); the decoder is another stack (any cell, one direction) started from the encoder's final
state through a learned bridge (Linear + tanh; for an LSTM decoder both ``h`` and ``c``), so the two sides
may differ in layers and directions.

Attention (:class:`Attention`): ``"none"``, additive ``"bahdanau"``, or Luong's ``"dot"`` and ``"general"``,
with input feeding (the previous attentional vector is concatenated to the decoder's input) and padding
masked (weights exactly 0 on padding, summing to 1 over the real positions).

Training: :meth:`Seq2Seq.forward` with ``teacher_forcing`` (1.0 feeds the gold previous token, 0 the
model's own argmax, in between a random mix per token). Decoding runs one step at a time through
:meth:`rnnkit.Recurrent.step` (the prefix is never rerun): :meth:`Seq2Seq.greedy` and
:meth:`Seq2Seq.beam_search` (batched, GNMT length normalisation, maximum length ``a * src_len + b``,
n-best lists, repeated n-gram blocking), each optionally returning the attention weights.

Target ids: the target tokenizer's ids ``0 .. V-1`` (0 is padding), then ``BOS = V`` and ``EOS = V + 1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.cells import CELLS
from rnnkit.dropout import Dropout
from rnnkit.recurrent import Recurrent, stack_parameters

__all__ = ["ATTENTIONS", "Attention", "AttentionDecoder", "Hypothesis", "Memory", "Seq2Seq", "banned_ngram_tokens"]

ATTENTIONS = ("none", "bahdanau", "dot", "general")
PAD_ID = 0


class Attention(nn.Module):
    """Attention of a decoder state (the query) over encoder outputs (the memory).

    ``kind``: ``"bahdanau"`` (additive, v·tanh(W₁m + W₂q)), ``"dot"`` (q·m; the memory is projected
    without bias when the sizes differ) or ``"general"`` (q·Wm). :meth:`keys` precomputes the
    memory's projection once per source; :meth:`forward` returns ``(context, weights)`` with the weights
    exactly 0 where ``mask`` is False.
    """

    def __init__(self, kind: str, query_size: int, memory_size: int) -> None:
        super().__init__()
        if kind not in ATTENTIONS[1:]:
            raise ValueError(f"attention {kind!r}: expected one of {', '.join(ATTENTIONS[1:])}")
        self.kind = kind
        self.key_proj: nn.Module = nn.Identity()
        if kind == "bahdanau":
            self.key_proj = nn.Linear(memory_size, query_size, bias=False)
            self.query_proj = nn.Linear(query_size, query_size, bias=True)
            self.v = nn.Linear(query_size, 1, bias=False)
        elif kind == "general" or memory_size != query_size:
            self.key_proj = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, memory: Tensor) -> Tensor:
        """(B, S, M) encoder outputs → (B, S, Q) keys the scores are taken against."""
        return self.key_proj(memory)

    def forward(self, query: Tensor, keys: Tensor, memory: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """``query`` (B, Q), ``keys`` (B, S, Q), ``memory`` (B, S, M), ``mask`` (B, S) → context (B, M) and
        weights (B, S)."""
        if self.kind == "bahdanau":
            scores = self.v(torch.tanh(keys + self.query_proj(query).unsqueeze(1))).squeeze(-1)
        else:
            scores = torch.bmm(keys, query.unsqueeze(-1)).squeeze(-1)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights


@dataclass
class Memory:
    """The encoded source batch: outputs (B, S, M), attention keys, mask (B, S) and lengths (B,)."""

    outputs: Tensor
    keys: Tensor | None
    mask: Tensor
    lengths: Tensor

    def select(self, index: Tensor) -> Memory:
        """The rows ``index`` (beam search repeats each source K times)."""
        keys = self.keys.index_select(0, index) if self.keys is not None else None
        return Memory(self.outputs.index_select(0, index), keys, self.mask.index_select(0, index),
                      self.lengths.index_select(0, index))


@dataclass
class Hypothesis:
    """One decoded output: target ids (no BOS/EOS), its log-probability, the length-normalised score used
    to rank it and, when asked, the attention weights (one row over the real source positions per token) or
    ``sources``: for each token, the source position its attention weighed most (what ``replace_unk`` copies).
    ``cut``: the length limit ended it, where the model's most likely next token was not EOS (one that stops at
    the limit with EOS its own choice there is not cut)."""

    tokens: list[int]
    log_prob: float
    score: float
    attention: list[list[float]] | None = None
    sources: list[int] | None = None
    cut: bool = False


DecState = tuple[Any, Tensor | None]  # (the decoder stack's state, the previous attentional vector)


def banned_ngram_tokens(history: list[int], n: int) -> set[int]:
    """Tokens that would repeat an ``n``-gram already in ``history`` if written next."""
    if n <= 0 or len(history) < n - 1:
        return set()
    if n == 1:
        return set(history)
    prefix = tuple(history[len(history) - n + 1:])
    return {history[i + n - 1] for i in range(len(history) - n + 1) if tuple(history[i:i + n - 1]) == prefix}


#: the output layer's weight of a decoder that shares its target embeddings: the state_dict holds the matrix once,
#: under :data:`TIED_TO`
TIED, TIED_TO = "output.weight", "tgt_embedding.weight"


def _drop_tied_weight(module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any) -> None:
    """A tied decoder's ``state_dict`` leaves out the output layer's weight, the embedding matrix saved again
    (safetensors refuses tensors that share memory; a clone of it stored the matrix twice and ``rnnkit info``
    counted it twice)."""
    state_dict.pop(prefix + TIED, None)


def _fill_tied_weight(module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any, strict: bool,
                      missing_keys: list[str], unexpected_keys: list[str], error_msgs: list[str]) -> None:
    """Loading a tied decoder: the output layer's weight is the embedding matrix (one Parameter, so the copy is
    the same tensor's, and the two stay one). A state_dict that holds an output weight other than its embedding
    matrix (an untied model's, a file edited by hand) is refused: one of the two would be dropped unsaid (the
    output layer's, loaded last, replaced the trained embeddings)."""
    tied, to = prefix + TIED, prefix + TIED_TO
    if to not in state_dict:
        return
    if tied not in state_dict:
        state_dict[tied] = state_dict[to]
        return
    out, emb = state_dict[tied], state_dict[to]
    if (isinstance(out, Tensor) and isinstance(emb, Tensor) and out.shape == emb.shape and not out.is_meta
            and not emb.is_meta and not torch.equal(out, emb.to(out.device, out.dtype))):
        error_msgs.append(f"{tied} is not {to}: a decoder that shares its target embeddings (share_decoder_embeddings)"
                          f" holds one matrix; leave {tied} out to load {to} as both")


def _tie_after_loading(module: AttentionDecoder, incompatible_keys: Any) -> None:
    """After a load, the tie as it was (:meth:`AttentionDecoder._tie`; a function, not a lambda: a pickled model
    keeps its hooks)."""
    module._tie()


class AttentionDecoder(nn.Module):
    """The target side every encoder-decoder shares: embedding, a :class:`Recurrent` stack started from the
    encoder's summary through a learned bridge, optional attention with input feeding, and the output
    layer; training logits (:meth:`forward`), :meth:`greedy` and :meth:`beam_search`.

    A subclass builds its encoder, calls :meth:`_init_decoder`, and implements :meth:`encode` (source batch
    and lengths → :class:`Memory` and the decoder's initial state, usually via :meth:`_bridge`).
    :class:`Seq2Seq` reads token ids; :class:`rnnkit.models.captioner.Captioner` reads images.
    """

    def _init_decoder(self, tgt_vocab: int, *, embedding: int, hidden: int, layers: int, cell: str,
                      attention: str, memory_size: int, summary_size: int, dropout: float,
                      share_embeddings: bool = False) -> None:
        """Build the decoder: ``memory_size`` is the size of an encoder output the attention reads,
        ``summary_size`` that of the flattened encoder state the bridge maps to the decoder's first state.

        With ``share_embeddings`` the output layer's weight *is* the target embedding matrix, one Parameter
        (weight tying: Press & Wolf 2017, Inan et al. 2017; OpenNMT-py's ``-share_decoder_embeddings``); the
        output layer keeps its own bias. It needs ``hidden == embedding``. The ``state_dict`` holds the matrix
        once, as ``tgt_embedding.weight`` (``output.weight`` is left out, and filled from it on loading), so a
        checkpoint stores and ``rnnkit info`` counts it once and a load keeps the two one tensor."""
        if attention not in ATTENTIONS:
            raise ValueError(f"attention {attention!r}: expected one of {', '.join(ATTENTIONS)}")
        if share_embeddings and hidden != embedding:
            raise ValueError(f"share_decoder_embeddings needs hidden ({hidden}) equal to embedding ({embedding})")
        self.bos_id, self.eos_id = tgt_vocab, tgt_vocab + 1
        self.attention_kind = attention
        self.tgt_embedding = nn.Embedding(tgt_vocab + 2, embedding, padding_idx=PAD_ID)
        feed = hidden if attention != "none" else 0
        self.decoder = Recurrent(cell, embedding + feed, hidden, layers, batch_first=True,
                                 dropout=dropout if layers > 1 else 0.0)
        self.bridge_h = nn.Linear(summary_size, layers * hidden)
        self.bridge_c = nn.Linear(summary_size, layers * hidden) if self.decoder.cell_def.has_cell_state else None
        self.attention = Attention(attention, hidden, memory_size) if attention != "none" else None
        self.combine = nn.Linear(hidden + memory_size, hidden, bias=False) if self.attention is not None else None
        self.dropout = Dropout(dropout)
        self.output = nn.Linear(hidden, tgt_vocab + 2)
        self.shares_embeddings = bool(share_embeddings)
        if self.shares_embeddings:
            self.output.weight = self.tgt_embedding.weight
            self.register_state_dict_post_hook(_drop_tied_weight)
            self.register_load_state_dict_pre_hook(_fill_tied_weight)
            self.register_load_state_dict_post_hook(_tie_after_loading)

    def _tie(self) -> None:
        """Make the output layer's weight the embedding matrix again where torch gave each its own Parameter:
        ``load_state_dict(assign=True)`` wraps each name's tensor apart, ``to_empty`` (a model built on the meta
        device) and a conversion under ``torch.__future__.set_overwrite_module_params_on_conversion(True)`` replace
        each module's Parameter apart (the two trained on as two, and ``parameters()`` counted the matrix twice)."""
        if getattr(self, "shares_embeddings", False) and self.output.weight is not self.tgt_embedding.weight:
            self.output.weight = self.tgt_embedding.weight

    def _apply(self, fn: Any, recurse: bool = True) -> AttentionDecoder:
        """:meth:`torch.nn.Module._apply` (``to``, ``to_empty``, ``half`` ...), the tie kept (:meth:`_tie`)."""
        super()._apply(fn, recurse)
        self._tie()
        return self

    @staticmethod
    def decoder_parameters(tgt_vocab: int, *, embedding: int, hidden: int, layers: int, cell: str, attention: str,
                           memory_size: int, summary_size: int, share_embeddings: bool = False) -> int:
        """The parameters :meth:`_init_decoder` makes with these arguments, counted without building them (a
        shared embedding matrix once)."""
        bridges = 2 if CELLS[cell].has_cell_state else 1
        attended = attention != "none"
        keys = memory_size * hidden if attention in ("bahdanau", "general") or memory_size != hidden else 0
        return ((tgt_vocab + 2) * embedding + stack_parameters(cell, embedding + hidden * attended, hidden, layers)
                + bridges * (summary_size + 1) * layers * hidden
                + attended * (keys + (hidden * hidden + 2 * hidden if attention == "bahdanau" else 0)
                              + (hidden + memory_size) * hidden)
                + (hidden * (not share_embeddings) + 1) * (tgt_vocab + 2))

    def encode(self, src: Tensor, src_len: Tensor) -> tuple[Memory, DecState]:
        """The source batch → the memory the decoder attends over and its initial state."""
        raise NotImplementedError

    def _bridge(self, state: Any) -> Any:
        """The encoder's final state (all layers and directions) → the decoder's initial state."""
        h, c = state if isinstance(state, tuple) else (state, None)
        batch, layers, hidden = h.shape[1], self.decoder.num_layers, self.decoder.hidden_size

        def side(linear: nn.Linear, x: Tensor) -> Tensor:
            flat = x.transpose(0, 1).reshape(batch, -1)
            return torch.tanh(linear(flat)).view(batch, layers, hidden).transpose(0, 1).contiguous()

        h0 = side(self.bridge_h, h)
        if self.bridge_c is None:
            return h0
        return h0, side(self.bridge_c, c if c is not None else h)

    # ------------------------------------------------------------------ decoder
    def decoder_step(self, prev: Tensor, state: DecState, memory: Memory,
                     t: int) -> tuple[Tensor, DecState, Tensor | None]:
        """One decoder step through :meth:`Recurrent.step`: previous tokens (B,) → logits (B, V+2), the new
        state and the attention weights (B, S) (None without attention)."""
        rnn_state, feed = state
        x = self.dropout(self.tgt_embedding(prev))
        if self.attention is not None:
            feed = feed if feed is not None else x.new_zeros(x.shape[0], self.decoder.hidden_size)
            x = torch.cat([x, feed], dim=-1)
        out, rnn_state = self.decoder.step(x, rnn_state, t)
        weights = None
        if self.attention is not None and self.combine is not None:
            context, weights = self.attention(out, memory.keys, memory.outputs, memory.mask)
            out = torch.tanh(self.combine(torch.cat([context, out], dim=-1)))
            feed = out
        return self.output(self.dropout(out)), (rnn_state, feed), weights

    def forward(self, src: Tensor, src_len: Tensor, tgt_in: Tensor, teacher_forcing: float = 1.0,
                generator: torch.Generator | None = None, return_attention: bool = False) -> Any:
        """Training logits (B, T, V+2) for decoder inputs ``tgt_in`` (B, T) (BOS then the gold target).

        ``teacher_forcing`` is the chance of feeding the gold previous token at each step (1.0: always,
        0: the model's own argmax). Without attention and with 1.0 the decoder runs as one sequence. With
        ``return_attention`` (and attention) the result is ``(logits, weights)``, weights (B, T, S).
        """
        memory, state = self.encode(src, src_len)
        if self.attention is None and teacher_forcing >= 1.0:
            out, _ = self.decoder(self.dropout(self.tgt_embedding(tgt_in)), state[0])
            logits_all = self.output(self.dropout(out))
            return (logits_all, None) if return_attention else logits_all
        logits, weights, prev = [], [], tgt_in[:, 0]
        for t in range(tgt_in.shape[1]):
            step_logits, state, step_weights = self.decoder_step(prev, state, memory, t)
            logits.append(step_logits)
            weights.append(step_weights)
            if t + 1 < tgt_in.shape[1]:
                prev = self._next_input(tgt_in[:, t + 1], step_logits, teacher_forcing, generator)
        if not return_attention:
            return torch.stack(logits, dim=1)
        return torch.stack(logits, dim=1), (torch.stack(weights, dim=1) if self.attention is not None else None)

    @staticmethod
    def _next_input(gold: Tensor, logits: Tensor, ratio: float, generator: torch.Generator | None) -> Tensor:
        if ratio >= 1.0:
            return gold
        own = logits.detach().argmax(-1)
        if ratio <= 0.0:
            return own
        use_gold = torch.rand(gold.shape, generator=generator, device=gold.device) < ratio
        return torch.where(use_gold, gold, own)

    # ------------------------------------------------------------------ decoding
    @staticmethod
    def select_state(state: DecState, index: Tensor) -> DecState:
        """The rows ``index`` of a decoder state: :meth:`greedy` drops the sources that have ended, beam search
        reorders its rows."""
        return _select_state(state, index)

    def _step_log_probs(self, logits: Tensor, t: int, max_len: Tensor, history: list[list[int]],
                        no_repeat_ngram: int, min_len: int = 0) -> tuple[Tensor, Tensor | None]:
        """Log-probabilities of the next token with padding, BOS and blocked n-grams removed, EOS removed before
        ``min_len`` tokens (unless nothing else is left to write) and forced at each row's maximum length; and
        the rows (bool) whose EOS was forced there, the model's most likely token being another (the cut ones): None
        at a step where no row is at its maximum length, so that a step pays nothing more for it."""
        logp = torch.log_softmax(logits.float(), dim=-1)
        logp[:, PAD_ID] = float("-inf")
        logp[:, self.bos_id] = float("-inf")
        for row, hist in enumerate(history):
            banned = banned_ngram_tokens(hist, no_repeat_ngram)
            if banned:
                logp[row, list(banned)] = float("-inf")
        if t < min_len:
            eos = logp[:, self.eos_id].clone()
            logp[:, self.eos_id] = float("-inf")
            stuck = torch.isneginf(logp.amax(-1))  # every other token blocked: the output ends early after all
            logp[stuck, self.eos_id] = eos[stuck]
        at_end = max_len <= t
        forced = None
        if bool(at_end.any()):
            forced = at_end & (logp.argmax(-1) != self.eos_id)  # the model's own end at the limit is no cut
            logp[at_end] = float("-inf")
            logp[at_end, self.eos_id] = 0.0
        return logp, forced

    @torch.no_grad()
    def greedy(self, src: Tensor, src_len: Tensor, max_len: Tensor, no_repeat_ngram: int = 0,
               return_attention: bool = False, source_positions: bool = False, min_len: int = 0,
               choose: Callable[[Tensor], Tensor] | None = None,
               encoded: tuple[Memory, DecState] | None = None) -> list[Hypothesis]:
        """The most likely token at each step, for each source, until EOS or ``max_len`` (B,) tokens (EOS not
        before ``min_len`` tokens). A source that has written EOS leaves the batch (its memory and state rows are
        dropped), so the decoder steps after it run only the sources still writing. ``source_positions`` (with
        attention): each hypothesis's ``sources``. ``choose`` picks each row's token from the step's (rows, V)
        log-probabilities instead (sampling; the blocked tokens are ``-inf`` there, and a hook that picks one is
        refused with a ValueError: at the maximum length only EOS is not blocked); a hypothesis's ``log_prob``
        is the model's for the tokens chosen. ``encoded``: :meth:`encode`'s answer for ``src``, where the caller
        has it."""
        memory, state = self.encode(src, src_len) if encoded is None else encoded
        batch, max_len = src.shape[0], max_len.to(src.device)
        prev = torch.full((batch,), self.bos_id, dtype=torch.long, device=src.device)
        tokens: list[list[int]] = [[] for _ in range(batch)]
        attn: list[list[list[float]]] = [[] for _ in range(batch)]
        positions: list[list[int]] = [[] for _ in range(batch)]
        logp_sum = [0.0] * batch
        cut = [False] * batch
        rows = list(range(batch))  # the source of each row of the batch still decoding
        lengths = src_len.tolist() if return_attention else []
        t = 0
        while rows:
            logits, state, weights = self.decoder_step(prev, state, memory, t)
            logp, forced = self._step_log_probs(logits, t, max_len, [tokens[i] for i in rows], no_repeat_ngram,
                                                min_len)
            best = logp.argmax(-1) if choose is None else choose(logp)
            # the step's tokens and their log-probabilities brought over at once, not an element a row (a GPU sync each)
            chosen, chosen_logp = best.tolist(), logp.gather(1, best.unsqueeze(1)).squeeze(1).tolist()
            if choose is not None and float("-inf") in chosen_logp:  # at max_len it would never end
                raise ValueError(_blocked_choice(chosen, chosen_logp, rows, t))
            most = weights.argmax(-1).tolist() if source_positions and weights is not None else None
            drawn = weights.tolist() if return_attention and weights is not None else None
            keep = []
            for j in forced.nonzero().flatten().tolist() if forced is not None else ():
                cut[rows[j]] = True
            for j, (i, token, token_logp) in enumerate(zip(rows, chosen, chosen_logp, strict=True)):
                logp_sum[i] += token_logp
                if drawn is not None:
                    attn[i].append(drawn[j][: int(lengths[i])])
                if most is not None:
                    positions[i].append(most[j])
                if token != self.eos_id:
                    tokens[i].append(token)
                    keep.append(j)
            if len(keep) < len(rows):
                rows = [rows[j] for j in keep]
                if rows:
                    index = torch.tensor(keep, dtype=torch.long, device=best.device)
                    memory, state = memory.select(index), self.select_state(state, index)
                    max_len, best = max_len.index_select(0, index), best.index_select(0, index)
            prev, t = best, t + 1
        return [Hypothesis(tokens[i], logp_sum[i], logp_sum[i], attn[i] if return_attention else None,
                           positions[i][: len(tokens[i])] if source_positions else None, cut[i])
                for i in range(batch)]

    @torch.no_grad()
    def samples(self, src: Tensor, src_len: Tensor, max_len: Tensor, n: int, choose: Callable[[Tensor], Tensor],
                no_repeat_ngram: int = 0, return_attention: bool = False, source_positions: bool = False,
                min_len: int = 0) -> list[list[Hypothesis]]:
        """``n`` hypotheses of each source, each token picked by ``choose`` (a sampler: see :meth:`greedy`, over
        the batch's rows each repeated ``n`` times, the source encoded once), the most probable first."""
        memory, state = self.encode(src, src_len)
        index = torch.arange(src.shape[0], device=src.device).repeat_interleave(n)
        encoded = (memory.select(index), self.select_state(state, index))
        src, src_len, max_len = (x.repeat_interleave(n, 0) for x in (src, src_len, max_len))
        hyps = self.greedy(src, src_len, max_len, no_repeat_ngram, return_attention, source_positions, min_len, choose,
                           encoded)
        return [sorted(hyps[i:i + n], key=lambda h: -h.log_prob) for i in range(0, len(hyps), n)]

    @torch.no_grad()
    def beam_search(self, src: Tensor, src_len: Tensor, max_len: Tensor, beam: int = 4, n_best: int = 1,
                    alpha: float = 0.6, no_repeat_ngram: int = 0,
                    return_attention: bool = False, source_positions: bool = False,
                    min_len: int = 0) -> list[list[Hypothesis]]:
        """Batched beam search: for each source, the ``n_best`` hypotheses ranked by log-probability over
        the GNMT length penalty ((5 + length) / 6) ** ``alpha`` (EOS counted in the length), none ended before
        ``min_len`` tokens; with ``source_positions`` (and attention), each one's ``sources``."""
        batch, k, max_len = src.shape[0], beam, max_len.to(src.device)
        memory, state = self.encode(src, src_len)
        rows = torch.arange(batch, device=src.device).repeat_interleave(k)
        memory, state, max_len = memory.select(rows), self.select_state(state, rows), max_len.index_select(0, rows)
        search = _Beams(batch, k, src.device)
        prev = torch.full((batch * k,), self.bos_id, dtype=torch.long, device=src.device)
        t = 0
        while not bool(search.finished.all()):
            logits, state, weights = self.decoder_step(prev, state, memory, t)
            logp, forced = self._step_log_probs(logits, t, max_len, search.history, no_repeat_ngram, min_len)
            most = weights.argmax(-1) if source_positions and weights is not None else None
            origin, prev = search.advance(logp, self.eos_id, weights if return_attention else None, most, forced)
            state = self.select_state(state, origin)
            t += 1
        return [search.best(b, n_best, alpha, src_len[b].item(), return_attention, source_positions)
                for b in range(batch)]


class Seq2Seq(AttentionDecoder):
    """An encoder-decoder translator: ``forward`` gives training logits, ``greedy`` / ``beam_search`` write.

    ``Seq2Seq(src_vocab, tgt_vocab, cell="lstm", embedding=64, hidden=128, layers=1, decoder_layers=None,
    bidirectional=False, attention="none", dropout=0.0, decoder_cell=None, share_decoder_embeddings=False,
    share_embeddings=False)``; ``tgt_vocab`` counts the tokenizer's ids only (BOS and EOS are added). With
    ``share_decoder_embeddings`` the output layer's weight is the target embedding matrix (needs ``hidden ==
    embedding``; see :meth:`AttentionDecoder._init_decoder`). With ``share_embeddings`` the two sides have one
    vocabulary (``src_vocab == tgt_vocab``) and the encoder reads the target embedding matrix: there is no
    ``src_embedding`` (OpenNMT-py's ``-share_embeddings``; with both, one matrix is all three, as in Press & Wolf
    2017's three-way tying). :meth:`config` rebuilds it: ``Seq2Seq(**m.config())``.
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, *, cell: str = "lstm", embedding: int = 64,
                 hidden: int = 128, layers: int = 1, decoder_layers: int | None = None, bidirectional: bool = False,
                 attention: str = "none", dropout: float = 0.0, decoder_cell: str | None = None,
                 share_decoder_embeddings: bool = False, share_embeddings: bool = False) -> None:
        super().__init__()
        if share_embeddings and src_vocab != tgt_vocab:
            raise ValueError(f"share_embeddings needs one vocabulary: src_vocab {src_vocab}, tgt_vocab {tgt_vocab}")
        self._config = {"src_vocab": src_vocab, "tgt_vocab": tgt_vocab, "cell": cell, "embedding": embedding,
                        "hidden": hidden, "layers": layers, "decoder_layers": decoder_layers or layers,
                        "bidirectional": bidirectional, "attention": attention, "dropout": dropout,
                        "decoder_cell": decoder_cell or cell, "share_decoder_embeddings": share_decoder_embeddings,
                        "share_embeddings": share_embeddings}
        if not share_embeddings:
            self.src_embedding = nn.Embedding(src_vocab, embedding, padding_idx=PAD_ID)
        self.encoder = Recurrent(cell, embedding, hidden, layers, batch_first=True, bidirectional=bidirectional,
                                 dropout=dropout if layers > 1 else 0.0)
        self._init_decoder(tgt_vocab, embedding=embedding, hidden=hidden, layers=self._config["decoder_layers"],
                           cell=self._config["decoder_cell"], attention=attention,
                           memory_size=self.encoder.output_size,
                           summary_size=layers * self.encoder.num_directions * hidden, dropout=dropout,
                           share_embeddings=share_decoder_embeddings)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild the model."""
        return dict(self._config)

    @staticmethod
    def count_parameters(src_vocab: int, tgt_vocab: int, *, cell: str = "lstm", embedding: int = 64,
                         hidden: int = 128, layers: int = 1, decoder_layers: int | None = None,
                         bidirectional: bool = False, attention: str = "none", decoder_cell: str | None = None,
                         share_decoder_embeddings: bool = False, share_embeddings: bool = False,
                         **unused: Any) -> int:
        """The parameters of ``Seq2Seq(...)`` with these arguments, counted without building it."""
        directions = 2 if bidirectional else 1
        return (src_vocab * embedding * (not share_embeddings)
                + stack_parameters(cell, embedding, hidden, layers, bidirectional=bidirectional)
                + AttentionDecoder.decoder_parameters(
                    tgt_vocab, embedding=embedding, hidden=hidden, layers=decoder_layers or layers,
                    cell=decoder_cell or cell, attention=attention, memory_size=directions * hidden,
                    summary_size=layers * directions * hidden, share_embeddings=share_decoder_embeddings))

    # ------------------------------------------------------------------ encoder
    def encode(self, src: Tensor, src_len: Tensor) -> tuple[Memory, DecState]:
        """(B, S) padded source ids and their lengths → the memory and the decoder's initial state."""
        embedded = (self.tgt_embedding if self._config.get("share_embeddings") else self.src_embedding)(src)
        outputs, state = self.encoder(self.dropout(embedded), lengths=src_len)
        mask = torch.arange(src.shape[1], device=src.device).unsqueeze(0) < src_len.unsqueeze(1)
        keys = self.attention.keys(outputs) if self.attention is not None else None
        return Memory(outputs, keys, mask, src_len), (self._bridge(state), None)


def _select_state(state: DecState, index: Tensor) -> DecState:
    rnn_state, feed = state
    if isinstance(rnn_state, tuple):
        rnn_state = tuple(s.index_select(1, index) for s in rnn_state)
    else:
        rnn_state = rnn_state.index_select(1, index)
    return rnn_state, (feed.index_select(0, index) if feed is not None else None)


class _Beams:
    """The bookkeeping of a batched beam search: K rows per source, scores, histories and finished flags."""

    def __init__(self, batch: int, k: int, device: torch.device) -> None:
        self.batch, self.k = batch, k
        self.scores = torch.full((batch, k), float("-inf"), device=device)
        self.scores[:, 0] = 0.0
        self.finished = torch.zeros(batch * k, dtype=torch.bool, device=device)
        self.history: list[list[int]] = [[] for _ in range(batch * k)]
        self.attention: list[list[list[float]]] = [[] for _ in range(batch * k)]
        self.sources: list[list[int]] = [[] for _ in range(batch * k)]
        self.cut = [False] * (batch * k)

    def advance(self, logp: Tensor, eos: int, weights: Tensor | None,
                most: Tensor | None = None, forced: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Extend every row by one token; returns the row each new row came from and the tokens written.
        A finished row only extends with padding, at no cost. ``weights``: the attention of each row's token,
        kept; ``most``: the source position of each row's most attention, kept; ``forced``: the rows whose EOS
        the length limit forced (:meth:`AttentionDecoder._step_log_probs`), whose hypotheses are cut."""
        logp = logp.clone()
        logp[self.finished] = float("-inf")
        logp[self.finished, PAD_ID] = 0.0
        vocab = logp.shape[-1]
        cand = (self.scores.view(-1, 1) + logp).view(self.batch, self.k * vocab)
        top, idx = cand.topk(self.k, dim=-1)
        origin = (idx // vocab + torch.arange(self.batch, device=idx.device).unsqueeze(1) * self.k).view(-1)
        tokens = (idx % vocab).view(-1)
        was_finished = self.finished.index_select(0, origin)
        self.scores = top
        # a row of score -inf is filler (fewer than K continuations were possible): it is done, or the
        # search would wait forever for it to write EOS
        self.finished = was_finished | (tokens == eos) | torch.isinf(top).view(-1)
        old_hist, old_attn, old_sources = self.history, self.attention, self.sources
        self.history, self.attention, self.sources = [], [], []
        positions = most.tolist() if most is not None else None
        old_cut, self.cut = self.cut, []
        forced_rows = forced.tolist() if forced is not None else [False] * len(old_cut)
        done = was_finished.tolist()  # read once: a tensor indexed a row at a time was a device sync a row
        for row, (src_row, token) in enumerate(zip(origin.tolist(), tokens.tolist(), strict=True)):
            grows = not done[row]
            self.cut.append(old_cut[src_row] or (grows and forced_rows[src_row]))
            self.history.append(old_hist[src_row] + ([token] if grows else []))
            att = old_attn[src_row]
            if weights is not None and grows:
                att = [*att, weights[src_row].tolist()]
            self.attention.append(att)
            kept = [positions[src_row]] if positions is not None and grows else []
            self.sources.append(old_sources[src_row] + kept)
        return origin, tokens

    def best(self, b: int, n_best: int, alpha: float, src_len: int, with_attention: bool,
             with_sources: bool = False) -> list[Hypothesis]:
        hyps = []
        for row in range(b * self.k, (b + 1) * self.k):
            log_prob = float(self.scores.view(-1)[row])
            if not math.isfinite(log_prob):
                continue
            hist = self.history[row]
            penalty = ((5.0 + len(hist)) / 6.0) ** alpha
            tokens = hist[:-1] if hist and self.finished[row] else hist
            att = [w[:src_len] for w in self.attention[row]] if with_attention else None
            sources = self.sources[row][: len(tokens)] if with_sources else None
            hyps.append(Hypothesis(tokens, log_prob, log_prob / penalty, att, sources, self.cut[row]))
        hyps.sort(key=lambda h: -h.score)
        return hyps[:n_best]


def _blocked_choice(chosen: list[int], chosen_logp: list[float], rows: list[int], t: int) -> str:
    """The refusal of a ``choose=`` hook of :meth:`AttentionDecoder.greedy` that picked a token of log-probability
    ``-inf``: a blocked one, and at a row's maximum length every token but EOS is, so a hook that kept picking
    another decoded forever."""
    j = chosen_logp.index(float("-inf"))
    return (f"greedy's choose= picked token {chosen[j]} for source {rows[j]} at step {t}, whose log-probability is "
            "-inf: a blocked token (padding, BOS, a repeated n-gram, EOS before min_len, any but EOS at the "
            "source's max_len); choose among the tokens of finite log-probability")
