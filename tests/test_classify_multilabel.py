"""Multi-label classification end to end: fastText's several ``__label__`` marks a line train one sigmoid a
label (BCE, fastText's ``-loss ova``); predict gives every label above a threshold, evaluate micro/macro
scores checked against scikit-learn."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.models.classifier import Classifier
from rnnkit.multilabel import (
    check_threshold,
    multi_hot,
    multilabel_report,
    top_labels,
    validation_scores,
    with_unseen,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: a text has a label when it holds one of that label's words
WORDS = {"sauce": ["gravy", "roux", "sauce"], "cheese": ["cheddar", "brie", "cheese"], "bread": ["dough", "yeast",
                                                                                                   "loaf"]}
FILLER = ["how", "do", "i", "make", "my", "the", "a", "better", "with", "why", "is"]


def cooking_line(rng: random.Random) -> str:
    labels = [lab for lab in WORDS if rng.random() < 0.45] or [rng.choice(list(WORDS))]
    words = [rng.choice(WORDS[lab]) for lab in labels] + rng.sample(FILLER, 4)
    rng.shuffle(words)
    return " ".join(f"__label__{lab}" for lab in labels) + " " + " ".join(words)


def cooking(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    path.write_text("\n".join(cooking_line(rng) for _ in range(n)) + "\n", encoding="utf-8")
    return path


def train_cooking(tmp: Path, lines: int, steps: int, *flags: str) -> Path:
    """``tmp/run``: a word bag trained ``steps`` updates on ``lines`` cooking lines (seed 0), with ``flags`` too."""
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(cooking(tmp / "cooking.train", lines, 0)), "--out", str(out),
                 "--steps", str(steps), "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--lr", "0.05",
                 "--no-progress", "--json", *flags]) == 0
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("multi")
    out = train_cooking(tmp, 300, 60, "--eval-every", "20", "--embedding", "16")
    return out, cooking(tmp / "cooking.valid", 60, 1)


def last_json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnkit: error: ") and "\n" not in err
    return err


# ------------------------------------------------------------------------------------------- metrics
def random_multi_hot(seed: int, n: int = 200, k: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    targets = (torch.rand(n, k, generator=gen) < 0.3).long()
    targets[:, 4] = 0  # a label that never occurs in the truth
    probs = torch.rand(n, k, generator=gen) * 0.6 + 0.4 * targets
    return targets, probs


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_scores_agree_with_scikit_learn(threshold: float) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    targets, probs = random_multi_hot(int(threshold * 10))
    report = multilabel_report(targets, probs, list("abcde"), threshold)
    y, p = targets.numpy(), (probs >= threshold).long().numpy()
    micro = metrics.precision_recall_fscore_support(y, p, average="micro", zero_division=0)
    assert report["micro_precision"] == pytest.approx(micro[0]) and report["micro_recall"] == pytest.approx(micro[1])
    assert report["micro_f1"] == pytest.approx(micro[2])
    present = [k for k in range(5) if y[:, k].any() or p[:, k].any()]  # macro: labels in truth or prediction
    macro = metrics.precision_recall_fscore_support(y, p, average="macro", labels=present, zero_division=0)
    assert (report["macro_precision"], report["macro_recall"], report["macro_f1"]) == pytest.approx(macro[:3])
    assert report["exact_match"] == pytest.approx(metrics.accuracy_score(y, p))
    per = metrics.precision_recall_fscore_support(y, p, average=None, zero_division=0)
    for k, label in enumerate("abcde"):
        c = report["per_class"][label]
        assert (c["precision"], c["recall"], c["f1"], c["support"]) == pytest.approx(
            (per[0][k], per[1][k], per[2][k], per[3][k]))
    scores = validation_scores(probs, targets, threshold)
    assert scores["micro_f1"] == pytest.approx(micro[2])
    bce = torch.nn.functional.binary_cross_entropy(probs.clamp(1e-12, 1 - 1e-7), targets.float())
    assert scores["loss"] == pytest.approx(float(bce), rel=1e-5)


def test_precision_and_recall_at_one_are_fasttexts() -> None:
    targets = torch.tensor([[1, 1, 0], [0, 0, 1], [1, 0, 0]])
    probs = torch.tensor([[0.9, 0.8, 0.1], [0.7, 0.1, 0.6], [0.8, 0.1, 0.1]])
    report = multilabel_report(targets, probs, ["a", "b", "c"])
    assert report["precision_at_1"] == pytest.approx(2 / 3) and report["recall_at_1"] == pytest.approx(2 / 4)
    assert report["count"] == 3 and report["label_count"] == 4 and "confusion" not in report


def test_targets_thresholds_and_labels_above() -> None:
    assert multi_hot([["b", "a"], ["c"], []], ["a", "b", "c"]) == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert top_labels(torch.tensor([0.2, 0.9, 0.6]), ["a", "b", "c"], threshold=0.5) == ["b", "c"]
    assert top_labels(torch.tensor([0.2, 0.1]), ["a", "b"], threshold=0.5) == []
    assert check_threshold(0.25) == 0.25
    np = pytest.importorskip("numpy")
    assert check_threshold(np.float32(0.3)) == 0.3  # was refused: "threshold 0.3: expected a probability"
    for bad in (0, 1, 1.5, -0.1, True, "0.5"):
        with pytest.raises(SettingError, match="expected a probability between 0 and 1"):
            check_threshold(bad)


def test_a_multi_label_classifier_has_one_sigmoid_a_label() -> None:
    torch.manual_seed(0)
    m = Classifier(20, 2, embedding_dim=8, hidden_size=8, multi_label=True)
    ids, lengths = torch.tensor([[2, 3, 4], [5, 6, 0]]), torch.tensor([3, 2])
    logits = m(ids, lengths)
    assert logits.shape == (2, 2) and not m.binary  # two labels: two units, not one
    assert torch.allclose(m.probabilities(ids, lengths), torch.sigmoid(logits))
    targets = torch.tensor([[1, 1], [0, 1]])
    expected = torch.nn.BCEWithLogitsLoss()(logits, targets.float())
    assert torch.allclose(m.loss(logits, targets), expected)


# ------------------------------------------------------------------------------------------- end to end
def test_train_records_multi_label_and_learns(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, valid = trained
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["multi_label"] is True and config["model"]["multi_label"] is True
    assert config["labels"] == ["bread", "cheese", "sauce"] and config["model"]["num_classes"] == 3
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("val_micro_f1" in r for r in rows) and not any("val_accuracy" in r for r in rows)
    assert main(["evaluate", str(out), "--data", str(valid), "--json"]) == 0
    report = last_json(capsys)
    # an all-positive guess scores micro-F1 2p/(1+p) with p the share of positive cells (about 0.5 here: 0.67),
    # an all-negative one 0
    positives = report["label_count"] / (3 * report["count"])
    assert report["micro_f1"] > 2 * positives / (1 + positives) + 0.15 and report["exact_match"] > 0.5
    assert set(report["per_class"]) == {"bread", "cheese", "sauce"} and report["threshold"] == 0.5


def test_predict_prints_every_label_above_the_threshold(trained: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, valid = trained
    capsys.readouterr()
    assert main(["predict", str(out), "gravy with cheddar please", "my yeast loaf"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    labels, shown, text = lines[0].split("\t")
    assert set(labels.split(",")) == {"sauce", "cheese"} and text == "gravy with cheddar please"
    assert [p.split("=")[0] for p in shown.split()] == ["bread", "cheese", "sauce"]
    assert lines[1].split("\t")[0] == "bread"
    assert main(["predict", str(out), "--json", "--threshold", "0.999999", "the"]) == 0
    r = last_json(capsys)
    assert r["labels"] == [] and set(r) == {"text", "labels", "probabilities"}
    assert main(["predict", str(out), "--threshold", "0.999999", "the"]) == 0
    assert capsys.readouterr().out.startswith("(none)\t")
    assert main(["predict", str(out), "--file", str(valid), "--output", str(tmp_path / "p.csv")]) == 0
    header, first = (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header == "label,text,predicted_labels,p_bread,p_cheese,p_sauce"
    assert main(["predict", str(out), "--file", str(valid), "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert isinstance(row["predicted_labels"], list) and row["p_bread"] == pytest.approx(row["p_bread"])


def test_python_api_matches(trained: tuple[Path, Path]) -> None:
    out, valid = trained
    clf = rnnkit.load(out)
    assert clf.multi_label
    r = clf.predict("gravy with cheddar please", threshold=0.4)
    assert set(r) == {"text", "labels", "probabilities"} and {"sauce", "cheese"} <= set(r["labels"])
    probs = clf.probabilities(["gravy", "loaf"])
    assert probs.shape == (2, 3) and not torch.allclose(probs.sum(1), torch.ones(2))  # not a softmax
    assert clf.evaluate(str(valid), threshold=0.3)["threshold"] == 0.3
    with pytest.raises(SettingError, match="threshold 1.5: expected a probability"):
        clf.predict(["x"], threshold=1.5)


def test_refusals(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, valid = trained
    assert "--threshold 0.0: expected a probability between 0 and 1" in refused(
        ["predict", str(out), "--threshold", "0", "x"], capsys)
    assert "--png: a multi-label model draws no confusion matrix" in refused(
        ["evaluate", str(out), "--data", str(valid), "--png", str(tmp_path / "c.png")], capsys)
    assert "--class-weights balanced: applies to one label a text" in refused(
        ["train", "classify", "--data", str(valid), "--out", str(tmp_path / "w"), "--steps", "2",
         "--class-weights", "balanced", "--tokenizer", "word"], capsys)
    assert not (tmp_path / "w").exists()


def single_label_run(tmp_path: Path) -> tuple[Path, Path]:
    """A fastText file of one label a line, and a single-label model trained on it (2 updates)."""
    data = tmp_path / "a.txt"
    data.write_text("".join(f"__label__{'pos' if i % 2 else 'neg'} {'good' if i % 2 else 'bad'} film\n"
                            for i in range(20)), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--tokenizer", "word",
                 "--no-progress", "--json"]) == 0
    return data, out


def test_threshold_is_refused_for_a_single_label_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = single_label_run(tmp_path)
    assert "multi_label" not in json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert "--threshold 0.5: applies only to a multi-label model" in refused(
        ["predict", str(out), "--threshold", "0.5", "good"], capsys)
    assert "--threshold 0.5: applies only to a multi-label model" in refused(
        ["evaluate", str(out), "--data", str(data), "--threshold", "0.5"], capsys)
    with pytest.raises(UserError, match="applies only to a multi-label model"):
        rnnkit.load(out).predict(["good"], threshold=0.5)
    several = tmp_path / "b.txt"   # was a KeyError 'neg pos' from evaluate
    several.write_text("__label__pos good film\n__label__neg __label__pos bad film\n", encoding="utf-8")
    assert refused(["evaluate", str(out), "--data", str(several)], capsys) == (
        f"rnnkit: error: {several}:2: column 'label': 2 labels ('neg', 'pos'), but this model gives one label a "
        "text; a model trained on several labels a text scores them")


def test_multi_label_flag_jsonl_lists_and_label_separator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--multi-label forces the sigmoid heads on data whose texts happen to hold one label each; a JSONL list
    and a split CSV cell train multi-label models whose predict and evaluate read the same format."""
    rng = random.Random(3)
    single = tmp_path / "one.txt"
    single.write_text("".join(f"__label__{lab} {rng.choice(WORDS[lab])} {rng.choice(FILLER)}\n"
                              for lab in list(WORDS) * 10), encoding="utf-8")
    out = tmp_path / "forced"
    common = ["--steps", "4", "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--no-progress", "--json"]
    assert main(["train", "classify", "--data", str(single), "--out", str(out), "--multi-label", *common]) == 0
    assert last_json(capsys)["multi_label"] is True and rnnkit.load(out).multi_label
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("".join(json.dumps({"text": f"{rng.choice(WORDS['sauce'])} {rng.choice(WORDS['bread'])}",
                                         "label": ["sauce", "bread"] if i % 2 else ["sauce"]}) + "\n"
                             for i in range(30)), encoding="utf-8")
    assert main(["train", "classify", "--data", str(jsonl), "--out", str(tmp_path / "j"), *common]) == 0
    assert main(["evaluate", str(tmp_path / "j"), "--data", str(jsonl), "--json"]) == 0
    assert last_json(capsys)["count"] == 30
    table = tmp_path / "a.csv"
    cells = ["cheese|bread" if i % 2 else "bread" for i in range(30)]
    table.write_text("text,label\n" + "".join(f"{rng.choice(WORDS['cheese'])} x,{cell}\n" for cell in cells),
                     encoding="utf-8")
    assert main(["train", "classify", "--data", str(table), "--out", str(tmp_path / "c"), "--label-separator", "|",
                 *common]) == 0
    assert main(["evaluate", str(tmp_path / "c"), "--data", str(table)]) == 0
    assert "no confusion matrix" in capsys.readouterr().out


def test_onnx_export_gives_each_labels_sigmoid(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    from rnnkit.data.tokenize import pad_batch

    out, _ = trained
    onnx_path = tmp_path / "m.onnx"
    assert main(["export", str(out), "--onnx", str(onnx_path), "--json"]) == 0
    result = last_json(capsys)
    assert result["multi_label"] is True and result["max_abs_diff"] < 1e-5
    m = rnnkit.load(out)
    texts = ["gravy with cheddar", "loaf", "the"]
    ids, lengths = pad_batch(m.encode(texts))
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})[0]
    assert got.shape == (3, 3) and abs(got - m.probabilities(texts).numpy()).max() < 1e-5
    assert session.get_modelmeta().custom_metadata_map["rnnkit_multi_label"] == "true"


def test_info_and_resume_keep_multi_label(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    import shutil

    out, _ = trained
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "task             classify (multi-label: one sigmoid a label)" in capsys.readouterr().out
    run = tmp_path / "run"
    shutil.copytree(out, run)
    assert main(["train", "classify", "--resume", str(run), "--steps", "70", "--no-progress", "--json"]) == 0
    summary = last_json(capsys)
    assert summary["multi_label"] is True and summary["steps"] == 70 and summary["best_val_micro_f1"] is not None
    assert main(["report", str(run)]) == 0  # the resumed run's page: its curves and scores (test_report_multilabel)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert 'id="curves"' in page and 'id="per-label"' in page and "Not shown" not in page


def test_autotune_scores_multi_label_trials_by_micro_f1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tuned"
    argv = ["train", "classify", "--data", str(cooking(tmp_path / "c.train", 150, 5)), "--out", str(out),
            "--autotune", "--steps", "60", "--layers", "0", "--pooling", "mean", "--no-progress", "--json"]
    assert main(argv) == 0
    summary = last_json(capsys)
    assert summary["multi_label"] is True and summary["autotune"]["trials"] >= 1
    trials = [json.loads(line) for line in (out / "autotune.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(t["val_score"] is not None and 0.0 <= t["val_score"] <= 1.0 for t in trials if "error" not in t)
    assert rnnkit.load(out).multi_label


def test_baseline_is_one_vs_rest_beside_the_model(trained: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    out, valid = trained
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(valid), "--baseline"]) == 0
    text = capsys.readouterr().out
    assert "one-vs-rest logistic regression" in text and "no McNemar's test" in text
    assert re.search(r"^micro-F1\s+[01]\.\d{4}\s+[01]\.\d{4}$", text, re.MULTILINE)
    assert main(["evaluate", str(out), "--data", str(valid), "--baseline", "--json"]) == 0
    report = last_json(capsys)
    base = report["baseline"]
    assert "mcnemar" not in base and base["count"] == report["count"] and base["micro_f1"] > 0.8
    assert set(base["per_class"]) == {"bread", "cheese", "sauce"} and base["train_rows"] == 270
    # --train names the baseline's training file: a multi-label model's evaluate dropped it and re-read the
    # recorded one, so a wrong file passed unnoticed (and a moved model's right one was never read)
    assert "not the file the model was trained on" in refused(
        ["evaluate", str(out), "--data", str(valid), "--baseline", "--train", str(valid)], capsys)


def test_label_separator_applies_only_to_csv_and_tsv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = cooking(tmp_path / "c.train", 30, 2)
    err = refused(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--steps", "2",
                   "--label-separator", "|", "--tokenizer", "word"], capsys)
    assert "--label-separator: applies only to a CSV or TSV file's label column" in err and "fastText's format" in err
    assert "--label-separator ' ': expected a character" in refused(
        ["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--label-separator", " "], capsys)


def test_a_single_label_run_is_not_resumed_on_several_labels(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    data, out = single_label_run(tmp_path)
    data.write_text(data.read_text(encoding="utf-8") + "__label__pos __label__neg good and bad\n", encoding="utf-8")
    err = refused(["train", "classify", "--resume", str(out), "--steps", "4", "--data", str(data)], capsys)
    assert "a text with several labels, but the run being resumed is a single-label model" in err


def test_predicted_labels_are_joined_as_the_label_column_and_read_back(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV/TSV cell of several labels is joined by the model's --label-separator (a comma was written
    beside 'cheese|bread' cells, and evaluate read 'cheese,bread' as one unknown label); a fastText file's
    label column is joined as predicted_labels (it was space-joined beside commas); a label holding a comma
    is joined by '|'. Each output evaluates as the labels it was written from."""
    rng = random.Random(5)
    common = ["--steps", "4", "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--no-progress", "--json"]
    table = tmp_path / "a.csv"
    cells = ["cheese|bread" if i % 2 else "bread" for i in range(30)]
    table.write_text("text,label\n" + "".join(f"{rng.choice(WORDS['cheese'])} x,{cell}\n" for cell in cells),
                     encoding="utf-8")
    piped = tmp_path / "c"
    assert main(["train", "classify", "--data", str(table), "--out", str(piped), "--label-separator", "|",
                 *common]) == 0
    assert main(["predict", str(piped), "--file", str(table), "--output", str(tmp_path / "p.csv"),
                 "--threshold", "0.01"]) == 0
    row = (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[2].split(",")
    assert row[1] == "cheese|bread" and set(row[2].split("|")) == {"cheese", "bread"}
    assert main(["evaluate", str(piped), "--data", str(tmp_path / "p.csv"), "--label-column", "predicted_labels",
                 "--threshold", "0.01", "--json"]) == 0
    assert last_json(capsys)["exact_match"] == 1.0
    capsys.readouterr()
    fasttext = tmp_path / "a.txt"
    fasttext.write_text("".join(f"__label__cheese __label__salt,pepper {rng.choice(WORDS['cheese'])}\n"
                                f"__label__bread {rng.choice(WORDS['bread'])}\n" for _ in range(15)), encoding="utf-8")
    comma = tmp_path / "f"
    assert main(["train", "classify", "--data", str(fasttext), "--out", str(comma), *common]) == 0
    assert rnnkit.load(comma).label_separator == "|"
    capsys.readouterr()
    assert main(["predict", str(comma), "--threshold", "0.01", "cheddar"]) == 0
    assert set(capsys.readouterr().out.split("\t")[0].split("|")) == {"bread", "cheese", "salt,pepper"}
    for name in ("p.csv", "p.tsv", "p.jsonl"):
        assert main(["predict", str(comma), "--file", str(fasttext), "--output", str(tmp_path / name)]) == 0
        assert main(["evaluate", str(comma), "--data", str(tmp_path / name), "--json"]) == 0
        assert last_json(capsys)["label_count"] == 45
    first = (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith('"cheese|salt,pepper",')
    notes = tmp_path / "notes.csv"  # predict carries a label column through: it is not split, nor refused
    notes.write_text("text,label\ncheddar,bread|\n", encoding="utf-8")
    assert rnnkit.load(piped).predict_file(str(notes))[1][0]["label"] == "bread|"


# ------------------------------------------------------------------------------------------- unseen labels
def test_a_label_unseen_in_training_is_scored_as_missed() -> None:
    """fastText's test counts a true label the model never saw as missed; rnnkit refused the whole file
    (``label 'x' is not in the training data``), so fastText's own cooking.valid, whose long tail of tags
    holds many, could not be scored. Checked against scikit-learn with a column of zeros for the label."""
    metrics = pytest.importorskip("sklearn.metrics")
    lists = [["a"], ["a", "x"], ["b"], ["x"]]
    columns = with_unseen(lists, ["a", "b"])
    assert columns == ["a", "b", "x"]
    targets = multi_hot(lists, columns)
    probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.2, 0.7], [0.6, 0.1]])
    report = multilabel_report(targets, probs, columns)
    assert report["unseen_labels"] == ["x"] and report["per_class"]["x"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    y = torch.tensor(targets).numpy()
    p = torch.cat([probs >= 0.5, torch.zeros(4, 1, dtype=torch.bool)], 1).long().numpy()
    for average in ("micro", "macro"):
        want = metrics.precision_recall_fscore_support(y, p, average=average, zero_division=0)[:3]
        got = [report[f"{average}_{k}"] for k in ("precision", "recall", "f1")]
        assert got == pytest.approx(list(want))
    assert report["exact_match"] == pytest.approx(0.5)  # texts 1 and 3; text 2 misses x, text 4 says a
    assert (report["precision_at_1"], report["recall_at_1"]) == pytest.approx((3 / 4, 3 / 5))  # 5 true labels
    scores = validation_scores(probs, torch.tensor(targets))
    assert scores["micro_f1"] == pytest.approx(report["micro_f1"])
    assert scores["loss"] == pytest.approx(validation_scores(probs, torch.tensor(targets)[:, :2])["loss"])


def test_val_data_and_evaluate_take_labels_unseen_in_training(tmp_path: Path, trained: tuple[Path, Path],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = trained
    valid = tmp_path / "v.txt"
    valid.write_text("__label__sauce __label__pasta gravy with noodles\n__label__bread loaf is dense\n"
                     "__label__pasta penne al dente\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(valid)]) == 0
    printed = capsys.readouterr().out
    assert "1 label unseen in training, counted as missed (as fastText's test counts them): 'pasta'" in printed
    assert main(["evaluate", str(out), "--data", str(valid), "--json"]) == 0
    report = last_json(capsys)
    assert report["unseen_labels"] == ["pasta"] and report["per_class"]["pasta"]["support"] == 2
    assert report["micro_recall"] <= 2 / 4 and report["exact_match"] <= 2 / 3
    run = tmp_path / "run"
    assert main(["train", "classify", "--data", str(cooking(tmp_path / "t.txt", 60, 3)), "--val-data", str(valid),
                 "--out", str(run), "--steps", "4", "--tokenizer", "word", "--layers", "0", "--pooling", "mean",
                 "--embedding", "8", "--no-progress", "--json"]) == 0
    assert last_json(capsys)["steps"] == 4
    assert json.loads((run / "best" / "config.json").read_text())["labels"] == ["bread", "cheese", "sauce"]
    pytest.importorskip("sklearn")  # the baseline chooses its C on those validation rows, 'pasta' missed there too
    assert main(["evaluate", str(run), "--data", str(valid), "--baseline", "--json"]) == 0
    assert last_json(capsys)["baseline"]["unseen_labels"] == ["pasta"]


def test_exact_match_is_the_ratio_of_counts_not_a_float32_mean() -> None:
    """7 of 25 texts exactly right is 0.28 in evaluate --json, as P@1's ratio is (float32's mean gave
    0.2800000011920929, scikit-learn's accuracy_score 0.28)."""
    from rnnkit.multilabel import multilabel_report

    targets = torch.zeros(25, 2, dtype=torch.long)
    targets[:, 0] = 1
    probs = torch.zeros(25, 2)
    probs[:7, 0], probs[7:, 1] = 0.9, 0.3  # the rest: b (not theirs) the most probable, and none given
    report = multilabel_report(targets, probs, ["a", "b"])
    assert report["exact_match"] == 7 / 25 and report["precision_at_1"] == 7 / 25
    assert multilabel_report(torch.zeros(0, 2), torch.zeros(0, 2), ["a", "b"])["exact_match"] == 0.0


@pytest.mark.parametrize("threshold", [0.25, 0.5, 0.75])
def test_a_probability_equal_to_the_threshold_gives_its_label(threshold: float) -> None:
    """At least the threshold, as fastText's predict keeps a label (its loop stops at ``prob < threshold``): the
    probabilities here are exact in float32, where a random one never lands on the threshold itself."""
    probs = torch.tensor([[threshold, threshold / 2], [threshold / 2, threshold]])
    targets = torch.tensor([[1, 0], [0, 1]])
    assert top_labels(probs[0], ["a", "b"], threshold=threshold) == ["a"]
    assert top_labels(probs[1], ["a", "b"], 1, threshold) == ["b"]
    report = multilabel_report(targets, probs, ["a", "b"], threshold)
    assert (report["micro_f1"], report["macro_f1"], report["exact_match"], report["predicted_count"]) == (1, 1, 1, 2)
    scores = validation_scores(probs, targets, threshold)
    assert (scores["micro_f1"], scores["macro_f1"], scores["exact_match"]) == (1, 1, 1)


def test_the_baseline_is_chosen_and_scored_at_evaluates_threshold(trained: tuple[Path, Path]) -> None:
    """``evaluate(threshold=0.3, baseline=True)``: the one-vs-rest baseline's C chosen by validation micro-F1 at
    0.3 (here another C than at 0.5) and its scores at 0.3, checked against scikit-learn's f1_score."""
    metrics = pytest.importorskip("sklearn.metrics")
    out, valid = trained
    clf = rnnkit.load(out)
    ovr, info = clf.baseline(threshold=0.3)
    assert info["C"] != clf.baseline()[1]["C"], "the two thresholds should choose different Cs here"
    base = clf.evaluate(str(valid), baseline=True, threshold=0.3)["baseline"]
    assert base["threshold"] == 0.3 and base["C"] == info["C"]
    texts = [line.split("__label__")[-1].split(" ", 1)[1] for line in valid.read_text(encoding="utf-8").splitlines()]
    truths = [re.findall(r"__label__(\w+)", line) for line in valid.read_text(encoding="utf-8").splitlines()]
    y = multi_hot(truths, clf.labels)
    p = (ovr.probabilities(texts) >= 0.3).long().tolist()
    assert base["micro_f1"] == pytest.approx(metrics.f1_score(y, p, average="micro", zero_division=0))


def test_a_label_separator_that_splits_no_label_is_warned_of(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``--label-separator '|'`` on cells written ``cheese,bread`` split nothing: the run trained a single-label
    model whose labels included ``cheese,bread``, unsaid."""
    table = tmp_path / "a.csv"
    cells = ["cheese,bread" if i % 2 else "bread" for i in range(30)]
    table.write_text("text,label\n" + "".join(f"w{i} x,\"{cell}\"\n" for i, cell in enumerate(cells)),
                     encoding="utf-8")
    flags = ["--steps", "1", "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--no-progress"]
    for i, separator in enumerate(("|", ",")):
        assert main(["train", "classify", "--data", str(table), "--out", str(tmp_path / str(i)),
                     "--label-separator", separator, *flags]) == 0
        warned = capsys.readouterr().err.count("--label-separator '|' splits no label of column 'label'; every "
                                               "text has one label (the longest: 'cheese,bread')")
        assert warned == (separator == "|")
