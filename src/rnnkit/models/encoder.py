"""Text encoder: token ids → embedding → :class:`rnnkit.Recurrent` stack, the body of every text model.

What a user gets:

- :class:`TextEncoder`: ``outputs, state = encoder(ids, lengths)`` for a padded batch (ids (B, T) padded
  with 0, lengths (B,)); outputs (B, T, D·H), batch first, zero past each length. Dropout is applied to
  the embeddings, and the encoder's ``dropout`` module is the one its heads apply to what they read.
  :class:`rnnkit.models.classifier.Classifier` (many-to-one) and :class:`rnnkit.models.tagger.Tagger`
  (many-to-many) subclass it, so their weights are named ``embedding.weight``, ``rnn.weight_ih_l0`` ...
  and ``head.weight``.
- :class:`LMHeads`, :func:`lm_loss` and :class:`EncoderLM`: language-model pre-training of an encoder on
  unlabelled text (Dai & Le 2015). The forward direction's output at step t predicts token t+1, the
  backward direction's output at step t predicts token t-1; padding predicts nothing and is never a
  target.
- :func:`predict_probabilities`: a model's ``probabilities(ids, lengths)`` over many sequences, in
  length-sorted batches, returned in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.data.batching import length_sorted_batches
from rnnkit.data.tokenize import pad_batch
from rnnkit.device import model_device
from rnnkit.dropout import Dropout
from rnnkit.recurrent import Recurrent, stack_parameters

__all__ = ["EncoderLM", "LMHeads", "TextEncoder", "length_mask", "lm_loss", "predict_probabilities"]


def length_mask(lengths: Tensor, steps: int) -> Tensor:
    """(B, T) boolean mask, True on each row's first ``lengths[i]`` steps."""
    return torch.arange(steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


class TextEncoder(nn.Module):
    """Embedding (id 0 is padding) → dropout → :class:`Recurrent` stack (batch first).

    ``encode_steps(ids, lengths)`` (also ``forward``) returns the outputs of every step (B, T, D·H) and
    the final state, as :class:`Recurrent` does. ``dropout`` is between the stacked layers too, and the
    module ``self.dropout`` is there for the heads built on top (before their linear layer).
    ``input_extra``: features a subclass joins to each embedding before the stack (its input is wider).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: str = "lstm",
        bidirectional: bool = False,
        dropout: float = 0.0,
        *,
        input_extra: int = 0,
        **cell_options: Any,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.rnn = Recurrent(cell, embedding_dim + input_extra, hidden_size, num_layers=num_layers,
                             bidirectional=bidirectional, batch_first=True,
                             dropout=dropout if num_layers > 1 else 0.0, **cell_options)
        self.dropout = Dropout(dropout)

    @staticmethod
    def count_parameters(vocab_size: int, embedding_dim: int = 64, hidden_size: int = 128, num_layers: int = 1,
                         cell: str = "lstm", bidirectional: bool = False, *, input_extra: int = 0,
                         layer_norm: bool = False) -> int:
        """The parameters of ``TextEncoder(...)`` with these arguments, counted without building it."""
        return vocab_size * embedding_dim + stack_parameters(cell, embedding_dim + input_extra, hidden_size, num_layers,
                                                             bidirectional=bidirectional, layer_norm=layer_norm)

    def encode_steps(self, ids: Tensor, lengths: Tensor) -> tuple[Tensor, Any]:
        """``(outputs (B, T, D·H), state)`` of the recurrent stack over the embedded ids."""
        return self.rnn(self.dropout(self.embedding(ids)), lengths=lengths)

    def forward(self, ids: Tensor, lengths: Tensor) -> Any:
        return self.encode_steps(ids, lengths)


class LMHeads(nn.Module):
    """One next-token softmax per direction of the encoder's top layer."""

    def __init__(self, hidden_size: int, num_directions: int, vocab_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.heads = nn.ModuleList(nn.Linear(hidden_size, vocab_size) for _ in range(num_directions))


def lm_loss(encoder: TextEncoder, heads: LMHeads, ids: Tensor, lengths: Tensor) -> tuple[Tensor, int]:
    """Summed next-token cross-entropy of a padded batch and the number of predicted tokens.

    The forward direction's output at step t predicts token t+1; the backward direction's output at
    step t (it has read tokens t..end) predicts token t-1. Padding predicts nothing and is never a target.
    """
    out, _ = encoder.encode_steps(ids, lengths)
    out = encoder.dropout(out)
    h = heads.hidden_size
    valid = length_mask(lengths, ids.shape[1])[:, 1:]  # positions 1..T-1 that are real tokens
    total = out.new_zeros(())
    count = 0
    forward = out[:, :-1, :h][valid]
    total = total + F.cross_entropy(heads.heads[0](forward).float(), ids[:, 1:][valid], reduction="sum")
    count += int(valid.sum())
    if len(heads.heads) > 1:
        backward = out[:, 1:, h : 2 * h][valid]
        total = total + F.cross_entropy(heads.heads[1](backward).float(), ids[:, :-1][valid], reduction="sum")
        count += int(valid.sum())
    return total, count


class EncoderLM(nn.Module):
    """An encoder with temporary next-token heads: ``forward(ids, lengths)`` is :func:`lm_loss` (summed
    loss, tokens predicted). Training it trains the encoder's embedding and recurrent stack; the heads
    are thrown away afterwards."""

    def __init__(self, encoder: TextEncoder, vocab_size: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = LMHeads(encoder.rnn.hidden_size, encoder.rnn.num_directions, vocab_size)

    def forward(self, ids: Tensor, lengths: Tensor) -> tuple[Tensor, int]:
        return lm_loss(self.encoder, self.heads, ids, lengths)


@torch.no_grad()
def predict_probabilities(model: nn.Module, seqs: Sequence[Sequence[int]], batch_size: int = 64,
                          method: str = "probabilities") -> list[Tensor]:
    """``model.probabilities`` (or the ``method`` named, a classifier's ``log_odds``) of each sequence, in input
    order: (K,) per text for a classifier, (T_i, K) per sentence for a tagger. Sequences are batched by length, so
    little padding is computed, and each distinct sequence is read once: equal ids give equal values to the last
    bit, whatever batch they would have fallen in (a word past a classifier's cut has an effect of exactly 0)."""
    model.eval()
    distinct: dict[tuple[int, ...], int] = {}
    where = [distinct.setdefault(tuple(s), len(distinct)) for s in seqs]
    unique = [list(s) for s in distinct]
    out: list[Tensor | None] = [None] * len(unique)
    device = model_device(model)
    for idx in length_sorted_batches(unique, batch_size):
        ids, lengths = pad_batch([unique[i] for i in idx])
        values = getattr(model, method)(ids.to(device), lengths.to(device)).cpu()  # on the CPU, as the labels are
        for row, i in enumerate(idx):
            out[i] = values[row, : int(lengths[row])] if values.dim() == 3 else values[row]
    return [p for p in (out[i] for i in where) if p is not None]
