"""The classifier without recurrent layers (``--layers 0``, fastText's model) and the word-bigram tokenizer."""

from __future__ import annotations

import pytest
import torch

from rnnkit.data.tokenize import NgramTokenizer, build_tokenizer, pad_batch, tokenizer_from_json
from rnnkit.errors import SettingError
from rnnkit.models.classifier import Classifier
from rnnkit.tasks.classify import ClassifyConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_ngram_tokenizer_adds_each_pair_of_neighbouring_words_and_round_trips() -> None:
    assert NgramTokenizer.split("not good, really") == ["not", "good", "not good", ",", "good ,", "really",
                                                        ", really"]
    tok = build_tokenizer("ngram", ["not good", "very good", "not bad"], vocab_size=100)
    assert tok.kind == "ngram" and "not good" in tok.symbols
    again = tokenizer_from_json(tok.to_json())
    assert isinstance(again, NgramTokenizer) and again.encode("not good") == tok.encode("not good")


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_zero_layers_pool_the_embeddings_as_torch_computes_them(pooling: str) -> None:
    torch.manual_seed(0)
    model = Classifier(vocab_size=20, num_classes=3, embedding_dim=5, num_layers=0, pooling=pooling).eval()
    assert model.rnn is None and model.head.in_features == 5
    seqs = [[3, 4, 5], [6, 7], [8]]
    ids, lengths = pad_batch(seqs)
    rows = [model.embedding.weight[s] for s in seqs]
    pooled = torch.stack([r.mean(0) if pooling == "mean" else r.max(0).values for r in rows])
    expected = torch.nn.functional.linear(pooled, model.head.weight, model.head.bias)
    torch.testing.assert_close(model(ids, lengths), expected)


def test_zero_layers_refuse_last_pooling_and_pretraining() -> None:
    with pytest.raises(ValueError, match="needs a recurrent layer"):
        Classifier(vocab_size=10, num_classes=2, num_layers=0, pooling="last")
    with pytest.raises(SettingError, match="pools its embeddings with mean, max, attention or tfidf"):
        ClassifyConfig(layers=0).validate()
    with pytest.raises(SettingError, match="pre-trains recurrent layers"):
        ClassifyConfig(layers=0, pooling="mean", pretrain_data="x.txt").validate()
    ClassifyConfig(layers=0, pooling="attention").validate()


def test_a_bag_builds_no_recurrent_layer_of_the_hidden_size_it_drops() -> None:
    """``--layers 0 --hidden 10000000``: the bag built a recurrent stack of that size for its encoder and then
    dropped it (petabytes torch could not allocate; --hidden 30000 built 14 GB for nothing)."""
    model = Classifier(50, 2, embedding_dim=4, hidden_size=10_000_000, num_layers=0, pooling="mean")
    assert model.rnn is None
    assert sum(p.numel() for p in model.parameters()) == 50 * 4 + 4 + 1


def test_the_bag_of_embeddings_starts_small_as_fasttext_does() -> None:
    bag = Classifier(500, 2, embedding_dim=50, num_layers=0, pooling="mean")
    weights = bag.embedding.weight.detach()
    assert float(weights.abs().max()) <= 1 / 50 and float(weights[0].abs().max()) == 0.0
    assert float(weights.std()) > 0.5 / 50 / 3 ** 0.5          # spread over the range, not all zero


def test_a_recurrent_classifier_starts_its_embeddings_at_norm_one_not_torchs_sqrt_dim() -> None:
    """Rows of norm about 1 (U(±sqrt(3/dim)), as the tagger's): torch's N(0, 1) rows, of norm sqrt(dim),
    left the word-LSTM presets near chance after their trial's few hundred updates."""
    torch.manual_seed(0)
    model = Classifier(2000, 2, embedding_dim=128, hidden_size=16, num_layers=1, pooling="max")
    weights = model.embedding.weight.detach()
    norms = weights[1:].norm(dim=1)
    assert float(weights[0].abs().max()) == 0.0
    assert 0.9 < float(norms.mean()) < 1.1 and float(weights.abs().max()) <= (3 / 128) ** 0.5


def test_the_mean_bag_is_dropped_out_once_at_the_asked_rate() -> None:
    """Dropout p on the mean vector the head reads zeroes a share p of it (dropped twice it was 1 - (1 - p)²)."""
    torch.manual_seed(0)
    bag = Classifier(50, 2, embedding_dim=64, num_layers=0, pooling="mean", dropout=0.5).train()
    seen: list[torch.Tensor] = []
    bag.head.register_forward_pre_hook(lambda _module, args: seen.append(args[0].detach()))
    ids, lengths = pad_batch([[2 + i % 40, 3 + i % 45] for i in range(400)])
    bag(ids, lengths)
    zero_share = float((seen[0] == 0).double().mean())
    assert 0.45 < zero_share < 0.55
