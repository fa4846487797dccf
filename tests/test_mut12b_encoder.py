"""Gaps a mutation audit of :mod:`rnnkit.models.encoder` found (round 12): the padding row of the embedding,
where dropout applies, and :func:`predict_probabilities` in evaluation mode, per sequence and in input order."""

from __future__ import annotations

import warnings

import pytest
import torch

from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import LMHeads, TextEncoder, lm_loss, predict_probabilities

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_id_0_is_padding_a_zero_row_that_learns_nothing() -> None:
    torch.manual_seed(0)
    encoder = TextEncoder(9, embedding_dim=4, hidden_size=5, cell="gru")
    assert float(encoder.embedding.weight.detach()[0].abs().sum()) == 0.0
    out, _ = encoder(torch.tensor([[3, 0, 2]]), torch.tensor([3]))
    out.sum().backward()
    grad = encoder.embedding.weight.grad
    assert grad is not None and float(grad[0].abs().sum()) == 0.0 and float(grad[3].abs().sum()) > 0.0


def test_the_encoder_dropout_is_the_one_asked_and_reads_embeddings_then_outputs() -> None:
    """``dropout`` is the rate of ``encoder.dropout``: on the embeddings (encode_steps) and, in the LM loss, on the
    top layer's outputs before the heads."""
    torch.manual_seed(0)
    encoder = TextEncoder(9, embedding_dim=4, hidden_size=5, cell="gru", dropout=0.25)
    assert encoder.dropout.p == 0.25
    seen: list[int] = []
    encoder.dropout.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[-1]))
    lm_loss(encoder, LMHeads(5, 1, 9), torch.tensor([[3, 4, 2]]), torch.tensor([3]))
    assert seen == [4, 5]


def test_predict_probabilities_runs_in_evaluation_mode_and_keeps_the_input_order() -> None:
    torch.manual_seed(0)
    model = Classifier(9, 3, embedding_dim=4, hidden_size=5, cell="gru", dropout=0.5)
    seqs = [[2, 3, 4], [5], [6, 7], [8, 2, 3, 4]]
    got = predict_probabilities(model.train(), seqs, batch_size=2)
    assert not model.training
    with torch.no_grad():
        alone = [model.probabilities(torch.tensor([s]), torch.tensor([len(s)]))[0] for s in seqs]
    assert len(got) == len(seqs)
    for g, a in zip(got, alone, strict=True):
        torch.testing.assert_close(g, a)


def test_dropout_between_layers_only_where_there_are_two() -> None:
    """A single layer's stack gets no dropout of its own (torch warns of one with nothing to drop between)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = TextEncoder(9, embedding_dim=4, hidden_size=5, num_layers=1, cell="gru", dropout=0.3)
    assert single.rnn.dropout == 0.0
    assert TextEncoder(9, embedding_dim=4, hidden_size=5, num_layers=2, cell="gru", dropout=0.3).rnn.dropout == 0.3
