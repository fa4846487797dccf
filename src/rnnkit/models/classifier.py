"""Many-to-one text classifier: embedding → ``Recurrent`` stack → pooling over time → sigmoid or softmax.

What a user gets: :class:`Classifier` (a :class:`rnnkit.models.encoder.TextEncoder` with a pooling and a
head on top) maps a padded batch of token ids and their lengths to one label per text. Pooling turns
the outputs of every time step into one vector:

- ``last``: the final hidden state (for a bidirectional stack, the forward direction's state at each
  text's own last token and the backward direction's state at its first token) — the textbook
  many-to-one model;
- ``mean`` / ``max``: the average / element-wise maximum of the outputs over the text's own tokens;
- ``attention``: additive (Bahdanau-style) attention, ``score_t = vᵀ tanh(W h_t + b)``, softmax over the
  text's own tokens, and the weighted sum of the outputs;
- ``tfidf`` (a bag only, ``num_layers=0``): the embeddings weighted as TF-IDF logistic regression weighs its
  features, sublinear tf times the idf of the training texts (:meth:`Classifier.set_idf`), over the length of the
  text's tf-idf vector (:mod:`rnnkit.models.tfidf`).

Every pooling reads only the first ``lengths[i]`` steps of row ``i``, so padding never changes a
prediction. The head is one sigmoid unit for two classes (``P(class 1) = σ(z)``) and a softmax over
``K`` units for more, as the textbook has it; :meth:`Classifier.loss` takes class weights for
imbalanced data. :meth:`Classifier.probabilities` returns ``(B, K)`` probabilities that sum to one (one
label a text; see below for several).

With ``multi_label=True`` (several labels a text, fastText's ``-loss ova``) the head is ``K`` independent
sigmoid units, one a label, whatever ``K``: :meth:`Classifier.probabilities` gives each label's own
probability (a row need not sum to one) and :meth:`Classifier.loss` is the binary cross-entropy of each
unit against the multi-hot targets (``BCEWithLogitsLoss``), averaged over texts and labels.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.data.tokenize import PAD_ID, UNK_ID
from rnnkit.models.charword import small_init_
from rnnkit.models.encoder import TextEncoder, length_mask
from rnnkit.models.tfidf import smooth_idf, tfidf_bag

__all__ = ["POOLINGS", "Classifier", "class_weights_from_counts", "length_mask", "logits_to_probabilities", "pool"]

POOLINGS = ("last", "mean", "max", "attention", "tfidf")


class AdditiveAttention(nn.Module):
    """``score_t = vᵀ tanh(W h_t + b)``; softmax over the valid steps; returns (pooled, weights)."""

    def __init__(self, size: int, attention_size: int | None = None) -> None:
        super().__init__()
        attention_size = attention_size or size
        self.proj = nn.Linear(size, attention_size)
        self.score = nn.Linear(attention_size, 1, bias=False)

    def forward(self, outputs: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        scores = self.score(torch.tanh(self.proj(outputs))).squeeze(-1)  # (B, T)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1), weights


def pool(kind: str, outputs: Tensor, h_n: Tensor, lengths: Tensor, num_directions: int,
         attention: AdditiveAttention | None = None) -> Tensor:
    """Pool batch-first ``outputs`` (B, T, D·H) into (B, D·H); ``h_n`` is the final hidden state
    (L·D, B, H) of the stack."""
    mask = length_mask(lengths, outputs.shape[1])
    if kind == "last":
        return torch.cat([h_n[-num_directions + d] for d in range(num_directions)], dim=-1)
    if kind == "mean":
        summed = (outputs * mask.unsqueeze(-1).to(outputs.dtype)).sum(1)
        return summed / lengths.clamp(min=1).unsqueeze(1).to(outputs.dtype)
    if kind == "max":
        return outputs.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values
    if kind == "attention":
        if attention is None:
            raise ValueError("attention pooling needs an AdditiveAttention module")
        return attention(outputs, mask)[0]
    raise ValueError(f"pooling must be one of {POOLINGS}, got {kind!r}")


class Classifier(TextEncoder):
    """Embedding → Recurrent (any cell, optional bidirectional, stacked) → pooling → dropout → head.
    With ``num_layers=0`` there is no recurrent stack: the embeddings are pooled (mean, max or
    attention), fastText's bag-of-embeddings model (Joulin et al. 2017).

    ``forward(ids, lengths)`` takes ids (B, T) padded with 0 and lengths (B,) and returns logits: (B,)
    for two classes (one sigmoid unit), (B, K) for K > 2 classes (softmax).

    The bag with mean pooling is one ``embedding_bag`` (no (B, T, D) tensor; with hashed character
    n-grams a text is thousands of ids), and its dropout falls on the text's mean vector.
    ``skip_unknown``: the bag leaves ``<unk>`` (id 1) out of the mean, as fastText drops the words it
    does not know, so unseen words and pairs at prediction time do not shrink the mean towards zero,
    and ``--token-dropout`` becomes dropping tokens from the bag.
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        embedding_dim: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: str = "lstm",
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        skip_unknown: bool = False,
        multi_label: bool = False,
        **cell_options: Any,
    ) -> None:
        if num_classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if num_layers == 0 and pooling == "last":
            raise ValueError("pooling 'last' needs a recurrent layer; with num_layers=0 use mean, max, attention or "
                             "tfidf")
        if num_layers and pooling == "tfidf":
            raise ValueError("pooling 'tfidf' weighs the ids of a bag (num_layers=0); a recurrent layer's outputs "
                             "are pooled with last, mean, max or attention")
        # a bag builds a stack of one unit for the encoder's sake and drops it (--hidden 30000 built 14 GB)
        super().__init__(vocab_size, embedding_dim, hidden_size if num_layers else 1, max(num_layers, 1), cell,
                         bidirectional, dropout, **cell_options)
        if num_layers == 0:  # a bag of embeddings: no recurrent stack (its parameters are dropped)
            self.rnn = None
            # fastText's start, uniform in ±1/dim: a rare n-gram adds almost nothing to the mean until it
            # has learned something (torch's N(0, 1) start let the noise of thousands of once-seen n-grams
            # drown the signal: 54.9 % against 68.4 % on Pang & Lee's sentences after 20 s)
            small_init_(self.embedding, bound=1.0 / embedding_dim)
        else:  # rows of norm about 1, as the tagger's: torch's N(0, 1) left the recurrent presets near chance
            small_init_(self.embedding)
        self.num_classes = num_classes
        self.pooling = pooling
        self.skip_unknown = skip_unknown
        self.multi_label = multi_label
        size = self.rnn.output_size if self.rnn is not None else embedding_dim
        self.attention = AdditiveAttention(size) if pooling == "attention" else None
        self.head = nn.Linear(size, 1 if num_classes == 2 and not multi_label else num_classes)
        if pooling == "tfidf":  # each id's idf in the training texts, saved with the weights (1 until set)
            self.register_buffer("idf", torch.ones(vocab_size))

    def set_idf(self, rows: list[list[int]]) -> None:
        """Weigh each id by its smooth idf in ``rows`` (the training texts' ids) in ``tfidf`` pooling."""
        if self.pooling != "tfidf":
            raise ValueError(f"set_idf is for pooling 'tfidf', not {self.pooling!r}")
        self.idf.copy_(smooth_idf(rows, self.idf.numel()))

    @staticmethod
    def count_parameters(vocab_size: int, num_classes: int, embedding_dim: int = 64, hidden_size: int = 128,
                         num_layers: int = 1, cell: str = "lstm", bidirectional: bool = False, *,
                         pooling: str = "last", multi_label: bool = False, layer_norm: bool = False,
                         **unused: Any) -> int:
        """The parameters of ``Classifier(...)`` with these arguments, counted without building it."""
        if num_layers:
            size = hidden_size * (2 if bidirectional else 1)
            encoder = TextEncoder.count_parameters(vocab_size, embedding_dim, hidden_size, num_layers, cell,
                                                   bidirectional, layer_norm=layer_norm)
        else:
            size, encoder = embedding_dim, vocab_size * embedding_dim
        outputs = 1 if num_classes == 2 and not multi_label else num_classes
        return encoder + (size * size + 2 * size if pooling == "attention" else 0) + (size + 1) * outputs

    @property
    def binary(self) -> bool:
        """Whether the head is one sigmoid unit for two classes (not a multi-label head of two)."""
        return self.num_classes == 2 and not self.multi_label

    def encode_steps(self, ids: Tensor, lengths: Tensor) -> tuple[Tensor, Any]:
        """The recurrent stack's outputs and state; without one (``num_layers=0``) the embeddings
        themselves (zero past each length: padding's vector is zero) and no state."""
        if self.rnn is None:
            return self.dropout(self.embedding(ids)), None
        return super().encode_steps(ids, lengths)

    def encode(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """The pooled text vectors (B, D·H)."""
        if self.rnn is None and self.pooling in ("mean", "tfidf"):
            return self.bag(ids, lengths)  # forward drops the pooled vector, once
        outputs, state = self.encode_steps(ids, lengths)
        h_n = state[0] if isinstance(state, tuple) else state
        directions = self.rnn.num_directions if self.rnn is not None else 1
        return pool(self.pooling, outputs, h_n, lengths, directions, self.attention)

    def bag(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """The mean (``tfidf``: the tf-idf-weighted sum over the tf-idf vector's length) of the embeddings of each
        row's ids (B, E), padding (and ``<unk>`` with ``skip_unknown``) left out; a row with nothing left is zero."""
        if self.skip_unknown:
            ids = ids.masked_fill(ids == UNK_ID, PAD_ID)
        if self.pooling == "tfidf":
            ids = ids.masked_fill(~length_mask(lengths, ids.shape[1]), PAD_ID)  # past a length: padding
            return tfidf_bag(ids, self.embedding.weight, self.idf)
        if torch.onnx.is_in_onnx_export():  # ONNX has no embedding_bag that skips padding: the same sum and count
            ids = ids.masked_fill(~length_mask(lengths, ids.shape[1]), PAD_ID)  # past a length: padding
            count = (ids != PAD_ID).sum(1, keepdim=True).clamp(min=1)
            return self.embedding(ids).sum(1) / count.to(self.embedding.weight.dtype)
        return F.embedding_bag(ids, self.embedding.weight, mode="mean", padding_idx=PAD_ID)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Logits: (B,) for two classes, (B, K) for more."""
        logits = self.head(self.dropout(self.encode(ids, lengths)))
        return logits.squeeze(-1) if self.binary else logits

    def probabilities(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """(B, K) class probabilities, rows summing to one; multi-label: each label's sigmoid."""
        logits = self(ids, lengths)
        return torch.sigmoid(logits) if self.multi_label else logits_to_probabilities(logits, self.binary)

    def log_odds(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """(B, K) each class's log-odds, ln(p / (1 - p)), from the logits (exact where p rounds to 1 in float32):
        a sigmoid's logit (multi-label; two classes: -z and z), else z_k minus the log-sum-exp of the others."""
        logits = self(ids, lengths).double()
        if self.multi_label:
            return logits
        if self.binary:
            return torch.stack([-logits, logits], dim=-1)
        others = logits.unsqueeze(1).expand(-1, logits.shape[-1], -1).clone()  # (B, K, K): row k holds every logit
        others.diagonal(dim1=1, dim2=2).fill_(float("-inf"))  # ... but z_k
        return logits - torch.logsumexp(others, dim=-1)

    def loss(self, logits: Tensor, targets: Tensor, class_weights: Tensor | None = None,
             smoothing: float = 0.0) -> Tensor:
        """Mean cross-entropy (binary: of the sigmoid unit), each example weighted by its class's weight
        and the sum divided by the total weight, so the scale does not depend on the weights' scale.
        Multi-label: ``targets`` (B, K) multi-hot, the mean binary cross-entropy of every unit (no weights).
        ``smoothing`` E (label smoothing, as Keras' losses take it): a target of K classes is 1 - E + E/K for
        its class and E/K for the others; a sigmoid's target 1 - E/2 or E/2."""
        soft = targets.to(logits.dtype) * (1 - smoothing) + smoothing / 2  # each sigmoid's target
        if self.multi_label:
            if class_weights is not None:
                raise ValueError("a multi-label classifier takes no class weights")
            return F.binary_cross_entropy_with_logits(logits, soft)
        if self.binary:
            per = F.binary_cross_entropy_with_logits(logits, soft, reduction="none")
        else:
            per = F.cross_entropy(logits, targets, reduction="none", label_smoothing=smoothing)
        if class_weights is None:
            return per.mean()
        w = class_weights.to(per.device, per.dtype)[targets]
        return (per * w).sum() / w.sum()


def logits_to_probabilities(logits: Tensor, binary: bool) -> Tensor:
    """(B, K) probabilities from the head's logits: ``[1 - σ(z), σ(z)]`` or ``softmax(z)``."""
    if binary:
        p = torch.sigmoid(logits)
        return torch.stack([1.0 - p, p], dim=-1)
    return torch.softmax(logits, dim=-1)


def class_weights_from_counts(counts: list[int], mode: str = "balanced") -> list[float]:
    """``n / (K · count_k)`` per class (scikit-learn's "balanced"), or all ones for ``"none"``."""
    if mode == "none":
        return [1.0] * len(counts)
    total, k = sum(counts), len(counts)
    return [total / (k * c) if c else 0.0 for c in counts]
