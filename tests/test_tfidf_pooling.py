"""A bag's tf-idf pooling (``--layers 0 --pooling tfidf``): scikit-learn's weighting, saved, resumed and exported."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import SettingError
from rnnkit.models.classifier import Classifier
from rnnkit.models.tfidf import smooth_idf, term_counts, tfidf_bag
from rnnkit.tasks._classify_config import _valid
from rnnkit.tasks.classify import ClassifyConfig, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_smooth_idf_is_scikit_learns() -> None:
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    rows = [[2, 3, 3, 4], [3, 5], [2, 2, 6, 7], [3]]
    vectorizer = sklearn_text.TfidfVectorizer(analyzer=lambda row: row, smooth_idf=True).fit(rows)
    ours = smooth_idf(rows, 9)
    for token, column in vectorizer.vocabulary_.items():
        assert ours[token].item() == pytest.approx(vectorizer.idf_[column], rel=1e-6)
    assert ours[8].item() == pytest.approx(torch.log(torch.tensor(5.0)).item() + 1)  # in no row: the largest
    assert ours[8] == ours.max()


def test_term_counts_count_each_id_in_its_row() -> None:
    ids, tf = term_counts(torch.tensor([[7, 2, 7, 7, 0, 0], [5, 4, 5, 3, 4, 5]]))
    assert ids.tolist() == [[0, 0, 2, 7, 7, 7], [3, 4, 4, 5, 5, 5]]
    assert tf.tolist() == [[2, 2, 1, 3, 3, 3], [1, 2, 2, 3, 3, 3]]


def test_the_tfidf_bag_is_scikit_learns_row_times_the_table() -> None:
    """With the identity as its table, the model's pooled vector of a text is TfidfTransformer(sublinear_tf=True)'s
    row of its counts: each id (1 + ln tf) times its idf, the row of unit length; padding, ids past the text's
    length and <unk> (skip_unknown) left out."""
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    rows, lengths = [[2, 7, 7, 3, 1, 8, 2, 9, 7], [4, 4, 6, 3, 3, 0, 0, 0, 0], [9, 5, 5, 5, 5, 0, 0, 0, 0]], [9, 3, 5]
    counts = torch.zeros(3, 10)
    for n, (row, length) in enumerate(zip(rows, lengths, strict=True)):
        for i in row[:length]:
            counts[n, i] += i > 1
    weigh = sklearn_text.TfidfTransformer(sublinear_tf=True).fit(counts.numpy())
    want = torch.tensor(weigh.transform(counts.numpy()).toarray(), dtype=torch.float32)
    model = Classifier(vocab_size=10, num_classes=2, embedding_dim=10, num_layers=0, pooling="tfidf",
                       skip_unknown=True)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.eye(10))
        model.idf.copy_(torch.tensor(weigh.idf_, dtype=torch.float32))
    got = model.encode(torch.tensor(rows), torch.tensor(lengths))
    torch.testing.assert_close(got[:, 2:], want[:, 2:])
    assert got[:, :2].abs().max() == 0  # padding's and <unk>'s columns hold nothing


def test_the_tfidf_bag_ignores_order_and_padding_and_a_text_of_nothing_is_zero() -> None:
    torch.manual_seed(0)
    model = Classifier(vocab_size=30, num_classes=3, embedding_dim=4, num_layers=0, pooling="tfidf").eval()
    model.set_idf([[3, 4, 5], [4, 6], [7, 7, 8]])
    ids, lengths = pad_batch([[3, 4, 4, 9], [9, 4, 3, 4], [5]])
    longer = torch.cat([ids, torch.zeros(3, 5, dtype=torch.long)], 1)
    out = model(ids, lengths)
    torch.testing.assert_close(out[0], out[1])
    torch.testing.assert_close(model(longer, lengths), out)
    assert model.encode(torch.zeros(1, 3, dtype=torch.long), torch.tensor([0])).abs().max() == 0


def test_the_tfidf_bags_gradient_is_right() -> None:
    ids, _ = term_counts(torch.tensor([[2, 3, 3, 0], [4, 4, 4, 2]]))
    table = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    idf = torch.tensor([1.0, 1.0, 1.5, 2.0, 1.2, 3.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: tfidf_bag(ids, t, idf), (table,))


def test_tfidf_pooling_is_a_bags_only() -> None:
    with pytest.raises(ValueError, match="weighs the ids of a bag"):
        Classifier(vocab_size=10, num_classes=2, num_layers=1, pooling="tfidf")
    with pytest.raises(SettingError, match="weighs the ids of a bag without recurrent layers"):
        ClassifyConfig(layers=1, pooling="tfidf").validate()
    with pytest.raises(ValueError, match="set_idf is for pooling 'tfidf'"):
        Classifier(vocab_size=10, num_classes=2, num_layers=0, pooling="mean").set_idf([[2]])
    ClassifyConfig(layers=0, pooling="tfidf").validate()
    assert _valid({"layers": 0, "pooling": "tfidf"}) and not _valid({"layers": 1, "pooling": "tfidf"})


def make_csv(path: Path, n: int = 40) -> Path:
    rng = random.Random(0)
    rows = ["text,label"]
    for i in range(n):
        word, label = ("great", "pos") if i % 2 else ("awful", "neg")
        rows.append(f"the film was {word} {rng.choice(['and long', 'indeed', 'really', ''])},{label}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_tfidf_bag_learns_its_idf_from_its_training_texts_and_keeps_it(tmp_path: Path) -> None:
    data, out = make_csv(tmp_path / "d.csv"), tmp_path / "run"
    config = ClassifyConfig(tokenizer="word", layers=0, pooling="tfidf", embedding=8, lr=0.05, steps=20,
                            eval_every=10, val_fraction=0.25)
    train(config, str(data), out, progress=False, verbose=False)
    clf = rnnkit.load(out)
    tok, idf = clf.tokenizer, clf.model.idf
    assert idf[tok.encode("the")[0]] == pytest.approx(1.0)  # in every training text
    assert idf[tok.encode("great")[0]] > 1.5 and idf.max() > 2  # in half; in none
    assert [r["label"] for r in clf.predict(["the film was great", "the film was awful"])] == ["pos", "neg"]
    train(ClassifyConfig(steps=30), None, out, resume=True, progress=False, verbose=False)
    assert torch.equal(rnnkit.load(out).model.idf, idf)
    assert json.loads((out / "best" / "config.json").read_text())["model"]["pooling"] == "tfidf"
    pytest.importorskip("onnxruntime")
    exported = clf.export(tmp_path / "m.onnx")
    assert exported["checked"] and exported["max_abs_diff"] < 1e-5


def test_the_cli_trains_a_tfidf_bag_and_refuses_it_over_a_recurrent_layer(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv")
    args = ["train", "classify", "--data", str(data), "--tokenizer", "word", "--pooling", "tfidf", "--steps", "2",
            "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "bad"), "--layers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--pooling tfidf" in err and "--layers 0" in err
    assert not (tmp_path / "bad").exists()
    assert main([*args, "--out", str(tmp_path / "ok"), "--layers", "0"]) == 0
