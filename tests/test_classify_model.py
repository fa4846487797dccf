"""Classifier and tagger heads: padding never changes a prediction, probabilities are proper."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnkit.data.tokenize import pad_batch
from rnnkit.models.classifier import Classifier, class_weights_from_counts
from rnnkit.models.tagger import Tagger, pad_tags

SEQS = [[3, 4, 5], [2, 6, 7, 8, 9, 10, 11, 12, 13], [5], [9, 9, 2, 3]]

pytestmark = pytest.mark.usefixtures("one_torch_thread")



@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_padding_never_changes_a_prediction(cell: str, bidirectional: bool, pooling: str) -> None:
    torch.manual_seed(0)
    model = Classifier(16, 3, 8, 6, cell=cell, bidirectional=bidirectional, pooling=pooling).eval()
    ids, lengths = pad_batch(SEQS)
    with torch.no_grad():
        batch = model.probabilities(ids, lengths)
        for i, seq in enumerate(SEQS):
            alone = model.probabilities(*pad_batch([seq]))[0]
            torch.testing.assert_close(alone, batch[i], atol=1e-6, rtol=0)
            # extra padding columns do not matter either
            wide = torch.cat([ids[i : i + 1], torch.zeros(1, 5, dtype=torch.long)], dim=1)
            torch.testing.assert_close(model.probabilities(wide, lengths[i : i + 1])[0], batch[i], atol=1e-6, rtol=0)


@pytest.mark.parametrize("num_classes", [2, 5])
def test_probabilities_sum_to_one_and_match_the_head(num_classes: int) -> None:
    torch.manual_seed(1)
    model = Classifier(16, num_classes, 8, 6, pooling="mean").eval()
    ids, lengths = pad_batch(SEQS)
    with torch.no_grad():
        logits = model(ids, lengths)
        probs = model.probabilities(ids, lengths)
    assert probs.shape == (len(SEQS), num_classes)
    torch.testing.assert_close(probs.sum(-1), torch.ones(len(SEQS)), atol=1e-6, rtol=0)
    assert (probs >= 0).all()
    if num_classes == 2:  # one sigmoid unit: P(class 1) = sigmoid(z)
        assert logits.shape == (len(SEQS),) and model.head.out_features == 1
        torch.testing.assert_close(probs[:, 1], torch.sigmoid(logits))
    else:
        assert logits.shape == (len(SEQS), num_classes)
        torch.testing.assert_close(probs, torch.softmax(logits, -1))


def test_binary_loss_is_cross_entropy_of_the_probabilities() -> None:
    torch.manual_seed(2)
    model = Classifier(16, 2, 8, 6)
    ids, lengths = pad_batch(SEQS)
    y = torch.tensor([0, 1, 1, 0])
    logits = model(ids, lengths)
    probs = model.probabilities(ids, lengths)
    expected = -torch.log(probs[torch.arange(4), y]).mean()
    torch.testing.assert_close(model.loss(logits, y), expected, atol=1e-6, rtol=1e-5)
    # class weights: a weighted mean, so equal weights change nothing
    torch.testing.assert_close(model.loss(logits, y, torch.tensor([3.0, 3.0])), model.loss(logits, y))
    assert class_weights_from_counts([30, 10]) == [40 / 60, 40 / 20]


@pytest.mark.parametrize("num_classes", [2, 3])
def test_label_smoothing_is_the_cross_entropy_of_the_smoothed_targets(num_classes: int) -> None:
    """Keras' label_smoothing E written out on the probabilities: a target of K classes becomes 1 - E + E/K for its
    class and E/K for the others (a sigmoid's two classes alike), each text weighted by its class's weight."""
    torch.manual_seed(2)
    model = Classifier(16, num_classes, 8, 6)
    ids, lengths = pad_batch(SEQS)
    y = torch.tensor([0, 1, num_classes - 1, 0])
    logits = model(ids, lengths)
    probs = model.probabilities(ids, lengths)
    weights = torch.tensor([0.5, 2.0, 3.0][:num_classes])
    for e in (0.0, 0.2):
        soft = torch.full((4, num_classes), e / num_classes)
        soft[torch.arange(4), y] += 1 - e
        per = -(soft * torch.log(probs)).sum(-1)
        torch.testing.assert_close(model.loss(logits, y, smoothing=e), per.mean(), atol=1e-6, rtol=1e-5)
        w = weights[y]
        torch.testing.assert_close(model.loss(logits, y, weights, e), (per * w).sum() / w.sum(), atol=1e-6, rtol=1e-5)


def test_label_smoothing_of_a_multi_label_classifier() -> None:
    """Each label's sigmoid target 1 or 0 becomes 1 - E/2 or E/2 (Keras' BinaryCrossentropy(label_smoothing=E))."""
    torch.manual_seed(2)
    model = Classifier(16, 3, 8, 6, multi_label=True)
    ids, lengths = pad_batch(SEQS)
    y = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0]])
    p = torch.sigmoid(model(ids, lengths))
    soft = y * 0.9 + 0.05
    expected = -(soft * torch.log(p) + (1 - soft) * torch.log(1 - p)).mean()
    torch.testing.assert_close(model.loss(model(ids, lengths), y, smoothing=0.1), expected, atol=1e-6, rtol=1e-5)


def test_tagger_loss_ignores_padding_and_padding_never_changes_tags() -> None:
    torch.manual_seed(3)
    model = Tagger(16, 4, 8, 6).eval()
    tags = [[0, 1, 2], [3, 2, 1, 0, 1, 2, 3, 0, 1], [2], [1, 1, 0, 3]]
    ids, lengths = pad_batch(SEQS)
    with torch.no_grad():
        logits = model(ids, lengths)
        total = model.loss(logits, pad_tags(tags))
        per_token = []
        for i, seq in enumerate(SEQS):
            alone_ids, alone_len = pad_batch([seq])
            alone = model(alone_ids, alone_len)
            torch.testing.assert_close(alone[0], logits[i, : len(seq)], atol=1e-6, rtol=0)
            per_token.append(model.loss(alone, pad_tags([tags[i]])) * len(seq))
    n = sum(len(t) for t in tags)
    torch.testing.assert_close(total, sum(per_token) / n, atol=1e-6, rtol=1e-5)


#: the state-dict keys the classifier and tagger wrote before they were built on TextEncoder
OLD_CLASSIFIER_KEYS = [
    "embedding.weight",
    *[f"rnn.{w}_l{layer}{d}" for layer in (0, 1) for d in ("", "_reverse")
      for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")],
    "attention.proj.weight", "attention.proj.bias", "attention.score.weight",
    "head.weight", "head.bias",
]
OLD_TAGGER_KEYS = ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                   "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse",
                   "rnn.bias_hh_l0_reverse", "head.weight", "head.bias"]


def test_state_dicts_of_the_old_classes_load() -> None:
    from rnnkit.models.encoder import TextEncoder

    classifier = Classifier(16, 3, 8, 6, num_layers=2, bidirectional=True, pooling="attention")
    tagger = Tagger(16, 4, 8, 6)
    assert isinstance(classifier, TextEncoder) and isinstance(tagger, TextEncoder)
    ids, lengths = pad_batch(SEQS)
    for model, keys, build in ((classifier, OLD_CLASSIFIER_KEYS,
                                lambda: Classifier(16, 3, 8, 6, num_layers=2, bidirectional=True, pooling="attention")),
                               (tagger, OLD_TAGGER_KEYS, lambda: Tagger(16, 4, 8, 6))):
        assert list(model.state_dict()) == keys
        # a state dict with exactly those names, as an old model.safetensors holds it, loads strictly
        g = torch.Generator().manual_seed(4)
        old_state = {k: torch.randn(v.shape, generator=g) for k, v in model.state_dict().items()}
        fresh = build().eval()
        fresh.load_state_dict(old_state, strict=True)
        model.load_state_dict(old_state, strict=True)
        with torch.no_grad():
            torch.testing.assert_close(fresh.probabilities(ids, lengths), model.eval().probabilities(ids, lengths))


def test_a_model_directory_in_the_old_layout_loads(tmp_path: Path) -> None:
    """config.json as the classifier wrote it before the tasks were split (its "settings" included)."""
    import rnnkit
    from rnnkit.data.tokenize import CharVocab
    from rnnkit.train.checkpoint import save_checkpoint

    vocab = CharVocab.train(["good film", "bad film"])
    kwargs = {"vocab_size": vocab.vocab_size, "num_classes": 2, "embedding_dim": 8, "hidden_size": 6,
              "num_layers": 1, "cell": "lstm", "bidirectional": False, "dropout": 0.2, "pooling": "last"}
    torch.manual_seed(5)
    model = Classifier(**kwargs)
    config = {
        "task": "classify", "model": kwargs, "labels": ["neg", "pos"], "tokenizer": "char", "max_len": 400,
        "text_column": "text", "label_column": "label", "class_weights": [1.0, 1.0],
        "data": {"train": "t.csv", "val": None, "val_fraction": 0.1, "split_seed": 0, "train_rows": 9,
                 "val_rows": 1},
        "settings": {"steps": 1000, "minutes": None, "lr": 0.003, "batch_size": 32, "embedding": 8, "hidden": 6,
                     "layers": 1, "cell": "lstm", "dropout": 0.2, "pooling": "last", "tokenizer": "char"},
    }
    save_checkpoint(tmp_path / "best", model_state=model.state_dict(), config=config, vocab=vocab.to_json())
    clf = rnnkit.load(tmp_path)
    assert type(clf).__name__ == "TextClassifier" and clf.labels == ["neg", "pos"]
    ids, lengths = pad_batch(clf.encode(["good film"]))
    with torch.no_grad():
        torch.testing.assert_close(clf.probabilities(["good film"]), model.eval().probabilities(ids, lengths))
    assert clf.predict("good film")["label"] in ("neg", "pos")
