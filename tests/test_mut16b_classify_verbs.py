"""Gaps a second mutation audit of :mod:`rnnkit.tasks._classify_verbs` found (round 16): how ``rnnkit predict``
names an empty TEXT argument and prints the probabilities of a line; how a multi-label model saved before it
recorded its label column writes a fastText file's labels to CSV; the rows of ``rnnkit evaluate --baseline``'s
table and its count of training rows; on tiny classifiers trained here."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from tests import test_mut15b_classify_verbs as mut15b

WORDS, model = mut15b.WORDS, mut15b.model   # the round-15 file's tiny word classifier (a fixture)


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny multi-label classifier (a fastText file, labels x and x y), one update into its training, and its
    file."""
    root = tmp_path_factory.mktemp("multi16b")
    data = root / "a.txt"
    data.write_text("".join(f"__label__x __label__y {WORDS[i % 8]} {WORDS[(i * 3) % 8]}\n" if i % 2 else
                            f"__label__x {WORDS[i % 8]}\n" for i in range(16)), encoding="utf-8")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["train", "classify", "--data", str(data), "--out", str(root / "m"), "--steps", "1",
                     "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--no-progress", "--json"]) == 0
    finally:
        torch.set_num_threads(threads)
    return root / "m", data


def test_an_empty_text_argument_is_named_as_the_command_lines(model: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit predict DIR "a good film" " "`: the empty text is named as the second TEXT argument of two (counted
    from 1, as the user typed them), not as the Python method's texts[1]; nothing is printed for the first."""
    capsys.readouterr()
    assert main(["predict", str(model), "a good film", " "]) == 2
    assert capsys.readouterr() == ("", "rnnkit: error: TEXT argument 2 of 2 is empty; give the text to classify\n")


def test_a_printed_line_gives_each_probability_with_three_decimals(model: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit predict DIR TEXT`: the label, each label's probability to three decimals, and the text, by tabs."""
    capsys.readouterr()
    assert main(["predict", str(model), "a good film"]) == 0
    line = capsys.readouterr().out.rstrip("\n")
    found = rnnkit.load(model).predict(["a good film"])[0]
    shown = " ".join(f"{lab}={p:.3f}" for lab, p in found["probabilities"].items())
    assert line == f"{found['label']}\t{shown}\ta good film"
    assert re.fullmatch(r"(neg|pos)\tneg=\d\.\d{3} pos=\d\.\d{3}\ta good film", line)




def test_an_older_multi_label_models_fasttext_labels_are_joined_in_its_csv(multi: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    """A multi-label model whose config.json has no label_column (saved before it was recorded) reads a
    fastText file's labels into its 'label' column, as now: --output p.csv joins them in the cell as
    predicted_labels are joined, not as a Python list."""
    model, data = multi
    out = tmp_path / "m"
    shutil.copytree(model / "best", out / "best")
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config.pop("label_column") == "label" and config["multi_label"] is True
    (out / "best" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert main(["predict", str(out), "--file", str(data), "--output", str(tmp_path / "p.csv")]) == 0
    with open(tmp_path / "p.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["label"] for row in rows[:2]] == ["x", "x,y"]


def _baseline_scores(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    capsys.readouterr()
    assert main([*argv, "--baseline", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert main([*argv, "--baseline"]) == 0
    return scores, capsys.readouterr().out


def test_evaluate_baseline_puts_each_score_in_its_own_row(model: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`rnnkit evaluate DIR --baseline`: a row for accuracy and one for macro-F1, each named, the model's score
    then the baseline's."""
    pytest.importorskip("sklearn")
    monkeypatch.setattr("rnnkit.tasks._text.confusion_png", lambda report, png, title: None)  # not drawn here
    scores, text = _baseline_scores(["evaluate", str(model), "--data", str(model.parent / "d.tsv"), "--png",
                                     str(tmp_path / "c.png")], capsys)
    b = scores["baseline"]
    lines = text.splitlines()
    assert f"{'':<10}{'rnnkit':>8}{'baseline':>10}" in lines
    for key, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
        assert f"{name:<10}{scores[key]:>8.4f}{b[key]:>10.4f}" in lines


def test_evaluate_baseline_of_a_multi_label_model_has_a_row_for_each_score(
        multi: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A multi-label model's --baseline table: micro-F1, macro-F1, exact match, P@1 and R@1, each a row."""
    pytest.importorskip("sklearn")
    model, data = multi
    scores, text = _baseline_scores(["evaluate", str(model), "--data", str(data)], capsys)
    b = scores["baseline"]
    lines = text.splitlines()
    for key, name in (("micro_f1", "micro-F1"), ("macro_f1", "macro-F1"), ("exact_match", "exact match"),
                      ("precision_at_1", "P@1"), ("recall_at_1", "R@1")):
        assert f"{name:<13}{scores[key]:>8.4f}{b[key]:>10.4f}" in lines


def test_the_baseline_line_counts_its_training_rows_with_thousands_separators() -> None:
    """The rows the baseline trained on are written 12,345, as the McNemar line writes its counts."""
    from rnnkit.tasks._classify_verbs import _baseline_line

    b = {"model": "TF-IDF logistic regression", "C": 3.0, "train_rows": 12345, "train": "t.csv"}
    assert _baseline_line(b, 1) == "baseline: TF-IDF logistic regression, C=3, trained on 12,345 rows of t.csv"
    assert _baseline_line(b, 2).endswith("rows of t.csv (the first model's training rows)")


@pytest.mark.parametrize(("p_value", "verdict"), [
    (0.03, "rnnkit is the more accurate by more than chance explains, at the 5% level"),
    (0.05, "a split this uneven is common by chance: no evidence that either is more accurate")])
def test_mcnemar_calls_a_split_beyond_chance_below_five_percent(p_value: float, verdict: str) -> None:
    """The verdict's level is 5%: p 0.03 names the better model, p 0.05 does not; the counts and p as given."""
    from rnnkit.tasks._classify_verbs import mcnemar_line

    assert mcnemar_line({"model_only": 1234, "baseline_only": 1100, "p_value": p_value}) == (
        f"texts only one gets right: rnnkit 1,234, baseline 1,100; McNemar's exact test p = {p_value:g} ({verdict})")


def test_predict_json_writes_a_text_as_it_is(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json keeps the letters of a text (UTF-8), as --output .jsonl does, not \\u escapes."""
    capsys.readouterr()
    assert main(["predict", str(model), "un film génial", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"text": "un film génial"' in out and "\\u00e9" not in out


def test_a_line_of_labels_alone_on_standard_input_is_shown_whole(model: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`--file -` with a line that holds labels and no text: refused in one line that shows the line (its first
    60 characters)."""
    import io

    line = "__label__positive __label__negative"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"a good film\n{line}\n"))
    capsys.readouterr()
    assert main(["predict", str(model), "--file", "-"]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --file -: a line holds labels and no text ({line!r}); every "
                                       "line needs a text\n")
