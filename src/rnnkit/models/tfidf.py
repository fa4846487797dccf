"""TF-IDF pooling of a bag of embeddings: a text's vector is its tf-idf row times the embedding table.

What a user gets: :func:`tfidf_bag`, the pooling of ``Classifier(num_layers=0, pooling="tfidf")``. An id a text
holds ``tf`` times weighs ``(1 + ln tf) * idf``, where ``idf`` is scikit-learn's smooth inverse document frequency
in the training texts, ``ln((1 + N) / (1 + df)) + 1`` (:func:`smooth_idf`); the text's vector is the weighted sum
of its ids' embeddings over the root of the sum of the squared weights, each id once. With the identity as the
table that is the unit-length row of ``TfidfVectorizer(sublinear_tf=True)``: the features of a TF-IDF logistic
regression, which the bag then learns to combine (and to embed) as it learns the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.data.tokenize import PAD_ID

__all__ = ["smooth_idf", "term_counts", "tfidf_bag"]


def smooth_idf(rows: Sequence[Sequence[int]], vocab_size: int) -> Tensor:
    """Each id's smooth idf over ``rows`` (float32, ``vocab_size`` of them): ``ln((1 + N) / (1 + df)) + 1``, so an
    id in no row weighs the most (``ln(1 + N) + 1``), as scikit-learn's ``TfidfTransformer(smooth_idf=True)``."""
    counts = Counter(i for row in rows for i in set(row))  # each row's ids once
    df = torch.zeros(vocab_size, dtype=torch.float64)
    if counts:
        df[torch.tensor(list(counts), dtype=torch.long)] = torch.tensor(list(counts.values()), dtype=torch.float64)
    return (torch.log((1 + len(rows)) / (1 + df)) + 1).float()


def term_counts(ids: Tensor) -> tuple[Tensor, Tensor]:
    """Each row of ``ids`` (B, T) sorted, and beside each id how many times its row holds it (float)."""
    ids = ids.sort(1).values
    start = torch.ones_like(ids, dtype=torch.bool)
    start[:, 1:] = ids[:, 1:] != ids[:, :-1]
    run = start.long().cumsum(1) - 1  # which run of equal ids each position is in
    return ids, torch.zeros_like(ids).scatter_add(1, run, torch.ones_like(ids)).gather(1, run).float()


def tfidf_bag(ids: Tensor, table: Tensor, idf: Tensor) -> Tensor:
    """(B, E): each row's ids (padding, ``PAD_ID``, left out) weighted by sublinear tf times ``idf[id]``, the
    weighted sum of their rows of ``table`` over the length of the row's tf-idf vector (a row of padding: zero).
    Each of an id's tf occurrences carries ``(1 + ln tf) / tf`` of its weight, so the sum needs no deduplication."""
    ids, tf = term_counts(ids)
    w = ((1 + tf.log()) / tf * idf[ids]).masked_fill(ids == PAD_ID, 0.0).to(table.dtype)
    norm = (w.square() * tf.to(table.dtype)).sum(1, keepdim=True).sqrt().clamp(min=1e-12)
    if torch.onnx.is_in_onnx_export():  # ONNX has no weighted embedding_bag: the same sum over the embeddings
        return (F.embedding(ids, table) * w.unsqueeze(-1)).sum(1) / norm
    return F.embedding_bag(ids, table, mode="sum", per_sample_weights=w) / norm
