"""Many-to-many sequence tagger: one label per token.

What a user gets: :class:`Tagger` maps a padded batch of token ids and their lengths to tag logits
(B, T, K) — embedding → ``Recurrent`` stack (bidirectional by default, so each tag sees the whole
sentence) → a linear layer at every step. :meth:`Tagger.loss` is the mean cross-entropy over real
tokens only: padded positions carry the target ``IGNORE`` (-100) and never count, so padding changes
neither the loss nor a prediction.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.recurrent import Recurrent

__all__ = ["IGNORE", "Tagger", "pad_tags"]

IGNORE = -100


class Tagger(nn.Module):
    """Embedding → Recurrent → per-step linear layer over ``num_tags`` tags."""

    def __init__(
        self,
        vocab_size: int,
        num_tags: int,
        embedding_dim: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: str = "lstm",
        bidirectional: bool = True,
        dropout: float = 0.0,
        **cell_options: Any,
    ) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.rnn = Recurrent(cell, embedding_dim, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                             batch_first=True, dropout=dropout if num_layers > 1 else 0.0, **cell_options)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.rnn.output_size, num_tags)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Tag logits (B, T, K); rows past a length are meaningless and masked by the loss."""
        outputs, _ = self.rnn(self.dropout(self.embedding(ids)), lengths=lengths)
        return self.head(self.dropout(outputs))

    def probabilities(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """(B, T, K) tag probabilities at each step."""
        return torch.softmax(self(ids, lengths), dim=-1)

    def loss(self, logits: Tensor, targets: Tensor, class_weights: Tensor | None = None) -> Tensor:
        """Mean cross-entropy over the tokens whose target is not ``IGNORE``."""
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), weight=class_weights,
                               ignore_index=IGNORE)


def pad_tags(tags: list[list[int]], width: int | None = None) -> Tensor:
    """(B, T) LongTensor of tag ids, padded with ``IGNORE``."""
    width = width if width is not None else max(len(t) for t in tags)
    out = torch.full((len(tags), width), IGNORE, dtype=torch.long)
    for i, t in enumerate(tags):
        t = t[:width]
        out[i, : len(t)] = torch.tensor(t, dtype=torch.long)
    return out
