"""Mutation audit round 14: :class:`rnnkit.models.tagger.Tagger` on tiny inputs."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from rnnkit.models.tagger import IGNORE, Tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([[2, 3, 4], [5, 6, 0]]), torch.tensor([3, 2])


def test_a_spelling_encoder_needs_both_characters_and_a_character_size() -> None:
    for num_chars, char_dim in ((9, 0), (0, 4)):
        model = Tagger(10, 3, 4, 5, num_chars=num_chars, char_dim=char_dim, char_hidden=3)
        assert model.chars is None
        assert sum(p.numel() for p in model.parameters()) == Tagger.count_parameters(
            10, 3, 4, 5, num_chars=num_chars, char_dim=char_dim, char_hidden=3)
        ids, lengths = batch()
        assert model(ids, lengths).shape == (2, 3, 3)


def test_layer_norm_is_counted() -> None:
    model = Tagger(10, 3, 4, 5, layer_norm=True)
    assert sum(p.numel() for p in model.parameters()) == Tagger.count_parameters(10, 3, 4, 5, layer_norm=True)


def test_a_spelled_tagger_refuses_a_call_without_every_spelling_input() -> None:
    model = Tagger(10, 3, 4, 5, num_chars=9, char_dim=4, char_hidden=3)
    ids, lengths = batch()
    chars, char_lengths = torch.tensor([[2, 3], [4, 0]]), torch.tensor([2, 1])
    index = torch.zeros(2, 3, dtype=torch.long)
    assert model(ids, lengths, chars, char_lengths, index).shape == (2, 3, 3)
    for missing in ((chars, None, index), (chars, char_lengths, None)):
        with pytest.raises(ValueError, match="give chars, char_lengths and char_index"):
            model(ids, lengths, *missing)


def test_dropout_applies_to_the_recurrent_layers_input_and_output() -> None:
    torch.manual_seed(0)
    model = Tagger(10, 3, 8, 8, dropout=0.5).train()
    seen: dict[str, torch.Tensor] = {}
    model.rnn.register_forward_pre_hook(lambda _m, args, kwargs: seen.update(rnn_in=args[0]), with_kwargs=True)
    model.rnn.register_forward_hook(lambda _m, _a, out: seen.update(rnn_out=out[0]))
    model.head.register_forward_pre_hook(lambda _m, args: seen.update(head_in=args[0]))
    ids, lengths = batch()
    model(ids, lengths)
    embedded = model.embedding(ids)
    assert not torch.allclose(seen["rnn_in"], embedded)
    assert not torch.allclose(seen["head_in"], seen["rnn_out"])


def test_probabilities_and_marginals_sum_to_one_over_the_tags() -> None:
    torch.manual_seed(0)
    ids, lengths = batch()
    for crf in (False, True):
        model = Tagger(10, 4, 4, 5, crf=crf).eval()
        p = model.probabilities(ids, lengths)
        assert torch.allclose(p.sum(-1), torch.ones(2, 3))
        m = model.marginals(model(ids, lengths), lengths)
        assert torch.allclose(m[0].sum(-1), torch.ones(3), atol=1e-5)


def test_decode_gives_as_many_tags_as_tokens_and_a_crf_its_viterbi_path() -> None:
    torch.manual_seed(0)
    ids, lengths = batch()
    model = Tagger(10, 4, 4, 5, crf=True).eval()
    with torch.no_grad():
        model.crf.transitions.fill_(-50.0)  # type: ignore[union-attr]
        model.crf.transitions[1, 1] = 50.0  # type: ignore[union-attr]
        scores = model(ids, lengths)
    tags = model.decode(scores, lengths)
    assert [len(t) for t in tags] == [3, 2]
    assert tags == [[1, 1, 1], [1, 1]]  # the transitions outweigh the emissions
    assert scores.argmax(-1)[0].tolist() != [1, 1, 1]
    assert torch.all(model.marginals(scores, lengths)[0, :, 1] > 0.99)  # the posterior, not the emissions' softmax


def test_the_loss_is_per_token_skips_padding_and_takes_class_weights() -> None:
    torch.manual_seed(0)
    ids, lengths = batch()
    targets = torch.tensor([[0, 1, 2], [1, 2, IGNORE]])
    plain = Tagger(10, 3, 4, 5).eval()
    logits = plain(ids, lengths)
    weights = torch.tensor([1.0, 5.0, 0.5])
    expected = F.cross_entropy(logits[targets != IGNORE], targets[targets != IGNORE], weight=weights)
    assert torch.allclose(plain.loss(logits, targets, weights), expected)
    crf = Tagger(10, 3, 4, 5, crf=True).eval()
    scores = crf(ids, lengths)
    mask = targets != IGNORE
    nll = crf.crf.nll(scores, targets, mask)  # type: ignore[union-attr]
    assert torch.allclose(crf.loss(scores, targets), nll.sum() / 5)
