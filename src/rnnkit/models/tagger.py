"""Many-to-many sequence tagger: one label per token.

What a user gets: :class:`Tagger` maps a padded batch of token ids and their lengths to tag logits
(B, T, K) — a :class:`rnnkit.models.encoder.TextEncoder` (embedding → ``Recurrent`` stack,
bidirectional by default, so each tag sees the whole sentence) → a linear layer at every step.
:meth:`Tagger.loss` is the mean cross-entropy over real tokens only: padded positions carry the target
``IGNORE`` (-100) and never count, so padding changes neither the loss nor a prediction.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.data.batching import IGNORE, pad_tags
from rnnkit.models.encoder import TextEncoder

__all__ = ["IGNORE", "Tagger", "pad_tags"]


class Tagger(TextEncoder):
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
        super().__init__(vocab_size, embedding_dim, hidden_size, num_layers, cell, bidirectional, dropout,
                         **cell_options)
        self.num_tags = num_tags
        self.head = nn.Linear(self.rnn.output_size, num_tags)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Tag logits (B, T, K); rows past a length are meaningless and masked by the loss."""
        outputs, _ = self.encode_steps(ids, lengths)
        return self.head(self.dropout(outputs))

    def probabilities(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """(B, T, K) tag probabilities at each step."""
        return torch.softmax(self(ids, lengths), dim=-1)

    def loss(self, logits: Tensor, targets: Tensor, class_weights: Tensor | None = None) -> Tensor:
        """Mean cross-entropy over the tokens whose target is not ``IGNORE``."""
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), weight=class_weights,
                               ignore_index=IGNORE)
