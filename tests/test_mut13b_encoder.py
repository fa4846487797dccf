"""Gaps a mutation audit of :mod:`rnnkit.models.encoder` found (round 13): the language-model loss of a bidirectional
encoder written out by hand, the parameter count of a wider input and of layer norm, and predict_probabilities of a
tagger (one row per token) and of the method named."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import EncoderLM, TextEncoder, length_mask, predict_probabilities
from rnnkit.models.tagger import Tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_length_mask_is_true_on_each_row_s_first_lengths_steps() -> None:
    assert length_mask(torch.tensor([3, 0, 1]), 4).tolist() == [[True, True, True, False], [False] * 4,
                                                                 [True, False, False, False]]


def test_the_lm_loss_of_both_directions_written_out() -> None:
    """Forward output at t predicts token t+1, backward output at t token t-1, each summed over the real tokens of
    each text (no padding), and each direction's predictions counted."""
    torch.manual_seed(0)
    encoder = TextEncoder(9, embedding_dim=4, hidden_size=5, cell="gru", bidirectional=True).eval()
    lm = EncoderLM(encoder, 9).eval()
    assert len(lm.heads.heads) == 2
    ids = torch.tensor([[3, 4, 5, 6], [7, 2, 0, 0]])
    lengths = torch.tensor([4, 2])
    total, count = lm(ids, lengths)
    with torch.no_grad():
        out, _ = encoder(ids, lengths)
    want = torch.zeros(())
    for row, n in enumerate(lengths.tolist()):
        for t in range(n):
            if t + 1 < n:
                want = want + F.cross_entropy(lm.heads.heads[0](out[row, t, :5]), ids[row, t + 1], reduction="sum")
            if t >= 1:
                want = want + F.cross_entropy(lm.heads.heads[1](out[row, t, 5:]), ids[row, t - 1], reduction="sum")
    torch.testing.assert_close(total, want)
    assert count == 2 * (3 + 1)


def test_parameters_are_counted_for_a_wider_input_and_layer_norm_as_built() -> None:
    for extra, norm in ((6, False), (0, True), (6, True)):
        built = TextEncoder(9, embedding_dim=4, hidden_size=5, num_layers=2, cell="lstm", bidirectional=True,
                            input_extra=extra, layer_norm=norm)
        counted = TextEncoder.count_parameters(9, 4, 5, 2, "lstm", True, input_extra=extra, layer_norm=norm)
        assert counted == sum(p.numel() for p in built.parameters()), (extra, norm)


def test_a_tagger_s_probabilities_are_one_row_per_token_of_each_sentence() -> None:
    torch.manual_seed(0)
    model = Tagger(9, 4, embedding_dim=4, hidden_size=5, cell="gru")
    seqs = [[2, 3, 4], [5], [6, 7]]
    got = predict_probabilities(model, seqs, batch_size=2)
    assert [tuple(p.shape) for p in got] == [(3, 4), (1, 4), (2, 4)]
    with torch.no_grad():
        alone = model.probabilities(torch.tensor([seqs[0]]), torch.tensor([3]))[0]
    torch.testing.assert_close(got[0], alone)


def test_predict_probabilities_calls_the_method_named() -> None:
    torch.manual_seed(0)
    model = Classifier(9, 3, embedding_dim=4, hidden_size=5, cell="gru")
    seqs = [[2, 3, 4], [5, 6]]
    got = predict_probabilities(model, seqs, method="log_odds")
    with torch.no_grad():
        want = [model.log_odds(torch.tensor([s]), torch.tensor([len(s)]))[0] for s in seqs]
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w)
    assert not torch.allclose(got[0].double(), predict_probabilities(model, seqs)[0].double())


def test_predict_probabilities_reads_each_distinct_sequence_once_so_equal_ids_answer_alike() -> None:
    """A batch's rows can round differently with other company (a CPU's kernels block by rows): a classifier's text
    and its variant without a word past the cut read the same ids but differed by 5e-7 on one machine, where the
    explanation promises an effect of exactly 0. Equal ids are read once, in one row."""
    torch.manual_seed(0)
    model = Classifier(9, 3, embedding_dim=4, hidden_size=5, cell="gru")
    rows: list[int] = []
    log_odds = model.log_odds
    model.log_odds = lambda ids, lengths: rows.append(len(ids)) or log_odds(ids, lengths)  # type: ignore[method-assign]
    seqs = [[2, 3, 4], [5, 6], [2, 3, 4], [7], [5, 6]]
    got = predict_probabilities(model, seqs, batch_size=2, method="log_odds")
    assert sum(rows) == 3 and torch.equal(got[0], got[2]) and torch.equal(got[1], got[4])
    with torch.no_grad():
        want = [log_odds(torch.tensor([s]), torch.tensor([len(s)]))[0] for s in seqs]
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w)
