"""Many-to-many sequence tagger: one label per token.

What a user gets: :class:`Tagger` maps a padded batch of token ids and their lengths to tag scores
(B, T, K): a :class:`rnnkit.models.encoder.TextEncoder` (embedding → ``Recurrent`` stack,
bidirectional by default, so each tag sees the whole sentence) → a linear layer at every step.

- With ``num_chars`` and ``char_dim`` > 0 each word's embedding is joined to the encoding of its
  spelling (:class:`rnnkit.models.charword.CharWordEncoder`: ``char_encoder="lstm"``, a bidirectional
  LSTM over its characters, Lample et al. 2016; or ``"cnn"``, Ma & Hovy 2016), so a word unseen in
  training (id ``<unk>``) is still read by its shape and affixes; ``forward`` then also takes the
  batch's distinct spellings and which one each token has.
- The embeddings start small (:func:`rnnkit.models.charword.small_init_`, rows of norm about 1), so a
  word seen a few dozen times in training still gets a useful vector within a short run.
- With ``crf=True`` the scores are the emissions of a linear-chain CRF
  (:class:`rnnkit.models.crf.LinearChainCRF`): the loss is the sentence's negative log-likelihood and
  :meth:`Tagger.decode` the Viterbi path; otherwise the loss is per-token cross-entropy and decoding
  the most likely tag of each token.

:meth:`Tagger.loss` counts real tokens only: padded positions carry the target ``IGNORE`` (-100), so
padding changes neither the loss nor a prediction.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.data.batching import IGNORE, pad_tags
from rnnkit.models.charword import CharWordEncoder, small_init_
from rnnkit.models.crf import LinearChainCRF
from rnnkit.models.encoder import TextEncoder, length_mask

__all__ = ["IGNORE", "Tagger", "pad_tags"]


class Tagger(TextEncoder):
    """[Embedding ⊕ character encoder] → Recurrent → per-step linear layer over ``num_tags`` tags [→ CRF]."""

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
        num_chars: int = 0,
        char_dim: int = 0,
        char_hidden: int = 0,
        crf: bool = False,
        char_encoder: str = "lstm",
        **cell_options: Any,
    ) -> None:
        spelled = num_chars > 0 and char_dim > 0
        super().__init__(vocab_size, embedding_dim, hidden_size, num_layers, cell, bidirectional, dropout,
                         input_extra=2 * char_hidden if spelled else 0, **cell_options)
        self.num_tags = num_tags
        small_init_(self.embedding)
        self.chars = CharWordEncoder(num_chars, char_dim, char_hidden, encoder=char_encoder) if spelled else None
        self.head = nn.Linear(self.rnn.output_size, num_tags)
        self.crf = LinearChainCRF(num_tags) if crf else None

    @staticmethod
    def count_parameters(vocab_size: int, num_tags: int, embedding_dim: int = 64, hidden_size: int = 128,
                         num_layers: int = 1, cell: str = "lstm", bidirectional: bool = True, *, num_chars: int = 0,
                         char_dim: int = 0, char_hidden: int = 0, crf: bool = False, char_encoder: str = "lstm",
                         layer_norm: bool = False, **unused: Any) -> int:
        """The parameters of ``Tagger(...)`` with these arguments, counted without building it."""
        spelled = num_chars > 0 and char_dim > 0
        size = hidden_size * (2 if bidirectional else 1)
        return (TextEncoder.count_parameters(vocab_size, embedding_dim, hidden_size, num_layers, cell, bidirectional,
                                             input_extra=2 * char_hidden if spelled else 0, layer_norm=layer_norm)
                + (CharWordEncoder.count_parameters(num_chars, char_dim, char_hidden, encoder=char_encoder)
                   if spelled else 0)
                + (size + 1) * num_tags + ((num_tags + 2) * num_tags if crf else 0))

    def forward(self, ids: Tensor, lengths: Tensor, chars: Tensor | None = None, char_lengths: Tensor | None = None,
                char_index: Tensor | None = None) -> Tensor:
        """Tag scores (B, T, K); rows past a length are meaningless and masked by the loss. A tagger with
        a spelling encoder also takes the batch's distinct spellings ``chars`` (U, L) of ``char_lengths``
        (U,) characters and ``char_index`` (B, T), the row of ``chars`` that spells each token (each
        distinct word is encoded once per batch)."""
        x = self.embedding(ids)
        if self.chars is not None:
            if chars is None or char_lengths is None or char_index is None:
                raise ValueError("this tagger reads spellings: give chars, char_lengths and char_index")
            x = torch.cat([x, self.chars(chars, char_lengths)[char_index]], dim=-1)
        outputs, _ = self.rnn(self.dropout(x), lengths=lengths)
        return self.head(self.dropout(outputs))

    def probabilities(self, ids: Tensor, lengths: Tensor, chars: Tensor | None = None,
                      char_lengths: Tensor | None = None, char_index: Tensor | None = None) -> Tensor:
        """(B, T, K) per-token softmax of the scores (with a CRF: of its emission scores alone)."""
        return torch.softmax(self(ids, lengths, chars, char_lengths, char_index), dim=-1)

    def marginals(self, scores: Tensor, lengths: Tensor) -> Tensor:
        """(B, T, K) each token's tag probabilities from ``forward``'s scores: the softmax, or with a CRF the
        posterior marginals p(y_t = k | sentence) (:meth:`LinearChainCRF.marginals`); rows past a length are
        meaningless."""
        if self.crf is not None:
            return self.crf.marginals(scores.float(), length_mask(lengths.to(scores.device), scores.shape[1]))
        return torch.softmax(scores.float(), dim=-1)

    def best_tags(self, scores: Tensor, lengths: Tensor) -> Tensor:
        """(B, T) tag ids from ``forward``'s scores: the Viterbi path with a CRF, else the most likely tag of
        each token; entries past a length are meaningless."""
        if self.crf is not None:
            return self.crf.best_path(scores.float(), length_mask(lengths.to(scores.device), scores.shape[1]))
        return scores.argmax(-1)

    def decode(self, scores: Tensor, lengths: Tensor) -> list[list[int]]:
        """The tags of each sentence from ``forward``'s scores (:meth:`best_tags`, as many as its tokens)."""
        rows = self.best_tags(scores, lengths).tolist()
        return [row[:n] for row, n in zip(rows, lengths.tolist(), strict=True)]

    def loss(self, logits: Tensor, targets: Tensor, class_weights: Tensor | None = None) -> Tensor:
        """Mean loss per token whose target is not ``IGNORE``: cross-entropy, or with a CRF the summed
        negative log-likelihood of the sentences divided by their tokens."""
        if self.crf is not None:
            mask = targets != IGNORE
            return self.crf.nll(logits.float(), targets, mask).sum() / mask.sum().clamp_min(1)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), weight=class_weights,
                               ignore_index=IGNORE)
