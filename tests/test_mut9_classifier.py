"""Gaps a mutation audit of :mod:`rnnkit.models.classifier` found (round 9): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from rnnkit.models.classifier import AdditiveAttention, Classifier, class_weights_from_counts, pool

# (B=2, T=3, D=2) outputs; row 1 has one valid step, its padding holds large values to show if it is read
OUTPUTS = torch.tensor([[[-1.0, 2.0], [-3.0, 4.0], [-2.0, -5.0]],
                        [[-4.0, -6.0], [9.0, 9.0], [9.0, 9.0]]])
LENGTHS = torch.tensor([3, 1])


def test_mean_and_max_pooling_read_only_each_rows_own_steps() -> None:
    h_n = torch.zeros(1, 2, 2)
    assert torch.equal(pool("mean", OUTPUTS, h_n, LENGTHS, 1), torch.tensor([[-2.0, 1.0 / 3.0], [-4.0, -6.0]]))
    # all of row 1's valid values are negative: padding (or zeros) must not win the maximum
    assert torch.equal(pool("max", OUTPUTS, h_n, LENGTHS, 1), torch.tensor([[-1.0, 4.0], [-4.0, -6.0]]))


def test_mean_pooling_of_a_row_without_steps_is_zero_not_nan() -> None:
    out = pool("mean", OUTPUTS, torch.zeros(1, 2, 2), torch.tensor([3, 0]), 1)
    assert torch.equal(out[1], torch.zeros(2))


def test_pooling_asks_for_what_it_needs_by_name() -> None:
    h_n = torch.zeros(1, 2, 2)
    with pytest.raises(ValueError, match="attention pooling needs an AdditiveAttention module"):
        pool("attention", OUTPUTS, h_n, LENGTHS, 1)
    with pytest.raises(ValueError, match="pooling must be one of"):
        pool("sum", OUTPUTS, h_n, LENGTHS, 1)


def test_additive_attention_takes_its_own_size_and_scores_without_a_bias() -> None:
    att = AdditiveAttention(4, 3)
    assert att.proj.in_features == 4 and att.proj.out_features == 3
    assert att.score.bias is None
    assert AdditiveAttention(5).proj.out_features == 5


def test_attention_is_a_softmax_over_each_rows_own_steps() -> None:
    torch.manual_seed(0)
    att = AdditiveAttention(2)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    pooled, weights = att(OUTPUTS, mask)
    scores = att.score(torch.tanh(att.proj(OUTPUTS[0]))).squeeze(-1)
    assert torch.allclose(weights[0], torch.softmax(scores, 0))
    assert weights[1].tolist() == [1.0, 0.0, 0.0]
    assert torch.allclose(pooled[1], OUTPUTS[1, 0])


def test_last_pooling_of_a_deep_bidirectional_stack_reads_the_top_layer_at_each_texts_ends() -> None:
    torch.manual_seed(0)
    model = Classifier(20, 3, embedding_dim=4, hidden_size=3, num_layers=2, bidirectional=True).eval()
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])
    lengths = torch.tensor([4, 2])
    with torch.no_grad():
        outputs, _ = model.encode_steps(ids, lengths)
        pooled = model.encode(ids, lengths)
    for row, n in enumerate(lengths.tolist()):
        assert torch.allclose(pooled[row, :3], outputs[row, n - 1, :3], atol=1e-6)  # forward, at the last token
        assert torch.allclose(pooled[row, 3:], outputs[row, 0, 3:], atol=1e-6)  # backward, at the first


@pytest.mark.parametrize(("num_classes", "options", "message"), [
    (1, {}, "at least 2 classes"),
    (3, {"pooling": "sum"}, "pooling must be one of"),
    (3, {"num_layers": 0, "pooling": "last"}, "pooling 'last' needs a recurrent layer"),
])
def test_a_classifier_that_cannot_work_is_refused(num_classes: int, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Classifier(10, num_classes, embedding_dim=4, hidden_size=3, **options)


def test_embeddings_start_small() -> None:
    torch.manual_seed(0)
    bag = Classifier(50, 3, embedding_dim=8, num_layers=0, pooling="mean")
    assert float(bag.embedding.weight.detach().abs().max()) <= 1.0 / 8
    rnn = Classifier(50, 3, embedding_dim=8, hidden_size=3)
    assert float(rnn.embedding.weight.detach().abs().max()) <= (3.0 / 8) ** 0.5
    assert float(rnn.embedding.weight.detach()[0].abs().max()) == 0.0  # padding's row


def test_a_multi_label_head_of_two_labels_is_two_sigmoids() -> None:
    torch.manual_seed(0)
    model = Classifier(20, 2, embedding_dim=4, hidden_size=3, multi_label=True).eval()
    assert model.head.out_features == 2 and not model.binary
    ids, lengths = torch.tensor([[5, 6], [7, 0]]), torch.tensor([2, 1])
    logits = model(ids, lengths)
    assert logits.shape == (2, 2)
    assert torch.allclose(model.probabilities(ids, lengths), torch.sigmoid(logits))
    assert Classifier.count_parameters(20, 2, embedding_dim=4, hidden_size=3, multi_label=True) == sum(
        p.numel() for p in model.parameters())


@pytest.mark.parametrize("options", [
    {"num_layers": 1, "bidirectional": True, "pooling": "attention"},
    {"num_layers": 0, "pooling": "attention"},
    {"num_layers": 2, "pooling": "last"},
])
def test_counted_parameters_are_the_built_ones(options: dict) -> None:
    model = Classifier(17, 4, embedding_dim=5, hidden_size=3, **options)
    assert Classifier.count_parameters(17, 4, embedding_dim=5, hidden_size=3, **options) == sum(
        p.numel() for p in model.parameters())


def test_dropout_falls_on_a_bags_embeddings_and_on_the_pooled_vector() -> None:
    torch.manual_seed(0)
    bag = Classifier(30, 3, embedding_dim=40, num_layers=0, pooling="max", dropout=0.5).train()
    ids, lengths = torch.tensor([[5, 6, 7]]), torch.tensor([3])
    steps, state = bag.encode_steps(ids, lengths)
    assert state is None and bool((steps == 0).any())
    seen = []
    mean = Classifier(30, 3, embedding_dim=40, num_layers=0, pooling="mean", dropout=0.5).train()
    mean.head.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    mean(ids, lengths)
    assert bool((seen[0] == 0).any())


def test_the_onnx_bag_is_the_embedding_bag(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    model = Classifier(30, 3, embedding_dim=4, num_layers=0, pooling="mean", skip_unknown=True).eval()
    ids = torch.tensor([[5, 1, 7, 9], [8, 6, 0, 0], [1, 1, 0, 0]])  # 1 is <unk>; ids past a length are padding
    lengths = torch.tensor([4, 2, 2])
    bagged = model.bag(ids, lengths)
    w = model.embedding.weight
    assert torch.allclose(bagged[0], (w[5] + w[7] + w[9]) / 3) and torch.equal(bagged[2], torch.zeros(4))
    assert torch.equal(model.encode(ids, lengths), bagged)  # what the model reads: <unk> left out
    monkeypatch.setattr(torch.onnx, "is_in_onnx_export", lambda: True)
    late = ids.clone()
    late[1, 2:] = 4  # not padding ids, but past the row's length
    assert torch.allclose(model.bag(late, lengths), bagged)


def test_losses_weights_and_smoothing_follow_torch() -> None:
    model = Classifier(10, 3, embedding_dim=4, hidden_size=3)
    logits = torch.tensor([[1.0, -1.0, 0.5], [0.2, 0.3, -2.0], [0.0, 2.0, 1.0]])
    targets = torch.tensor([0, 2, 1])
    weights = torch.tensor([1.0, 3.0, 0.5])
    assert torch.allclose(model.loss(logits, targets, weights), F.cross_entropy(logits, targets, weight=weights))
    assert torch.allclose(model.loss(logits, targets, smoothing=0.3),
                          F.cross_entropy(logits, targets, label_smoothing=0.3))
    multi = Classifier(10, 3, embedding_dim=4, hidden_size=3, multi_label=True)
    hot = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="takes no class weights"):
        multi.loss(logits, hot, weights)
    assert torch.allclose(multi.loss(logits, hot, smoothing=0.2),
                          F.binary_cross_entropy_with_logits(logits, hot * 0.8 + 0.1))


def test_binary_loss_with_weights_and_smoothing() -> None:
    model = Classifier(10, 2, embedding_dim=4, hidden_size=3)
    logits, targets = torch.tensor([1.5, -0.5, 0.2]), torch.tensor([1, 0, 0])
    two = torch.stack([torch.zeros(3), logits], 1)  # softmax over [0, z] is the sigmoid of z
    weights = torch.tensor([2.0, 0.5])
    assert torch.allclose(model.loss(logits, targets, weights), F.cross_entropy(two, targets, weight=weights))
    smoothed = F.cross_entropy(two, targets, label_smoothing=0.2)
    assert torch.allclose(model.loss(logits, targets, smoothing=0.2), smoothed)


def test_class_weights_are_sklearns_balanced_ones() -> None:
    import numpy as np
    from sklearn.utils.class_weight import compute_class_weight

    labels = np.array([0] * 6 + [1] * 3 + [2])
    expected = compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=labels)
    assert class_weights_from_counts([6, 3, 1]) == pytest.approx(expected.tolist())
    assert class_weights_from_counts([6, 0, 1]) == pytest.approx([7 / 18, 0.0, 7 / 3])  # an unseen class: 0
    assert class_weights_from_counts([6, 3, 1], "none") == [1.0, 1.0, 1.0]


def test_a_bag_builds_no_recurrent_stack_of_the_hidden_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bag (num_layers=0) drops its stack: it is built with one unit, not --hidden's (30000 built 14 GB)."""
    from rnnkit.models import encoder

    built: list[int] = []
    real = encoder.Recurrent

    def spy(*args: object, **options: object) -> object:
        built.append(args[2])  # type: ignore[arg-type]
        return real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(encoder, "Recurrent", spy)
    model = Classifier(20, 3, embedding_dim=4, hidden_size=300, num_layers=0, pooling="max")
    assert built == [1] and model.rnn is None


def test_probabilities_from_logits_are_per_row() -> None:
    from rnnkit.models.classifier import logits_to_probabilities

    p = torch.sigmoid(torch.tensor(2.0))
    assert torch.allclose(logits_to_probabilities(torch.tensor([0.0, 2.0]), True),
                          torch.tensor([[0.5, 0.5], [1 - p, p]]))
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    rows = torch.stack([torch.exp(r) / torch.exp(r).sum() for r in logits])
    assert torch.allclose(logits_to_probabilities(logits, False), rows)
