"""Gaps a mutation audit of :mod:`rnnkit.report.classify` found (round 7): each test fails on one changed line."""

from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rnnkit.report import classify
from rnnkit.report.classify import Predictions


def _model(kind: str = "word", split: str | None = None, labels: tuple[str, ...] = ("neg", "pos")) -> Any:
    """A stand-in classifier without attention pooling: what the mistakes list reads of one."""
    return SimpleNamespace(model=SimpleNamespace(), tokenizer=SimpleNamespace(kind=kind),
                           config={"split": split} if split else {}, labels=list(labels))


def _rows(html: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(<td>.*?)</tr>", html)]


def test_a_tagger_mistake_shows_eight_tokens_either_side_with_ellipses_only_where_cut() -> None:
    tokens = [chr(97 + i) for i in range(26)]
    assert classify._item_html((tokens, 10), " ") == "… c d e f g h i j <b><u>k</u></b> l m n o p q r s …"
    assert classify._item_html((tokens, 8), " ") == "a b c d e f g h <b><u>i</u></b> j k l m n o p q …"
    assert classify._item_html((tokens, 17), "") == "… jklmnopq<b><u>r</u></b>stuvwxyz"


def test_a_text_mistake_is_shown_whole_to_400_characters_and_cut_after() -> None:
    assert classify._item_html("a" * 400, " ") == "a" * 400
    assert classify._item_html("b" * 401, " ") == "b" * 400 + "…"


def test_tokens_are_joined_by_nothing_for_characters_and_by_a_space_for_words() -> None:
    assert classify._joiner(_model("char")) == ""
    assert classify._joiner(_model("word", split="chars")) == ""
    assert classify._joiner(_model("word")) == " "


def test_the_most_confident_mistakes_come_first_twelve_of_them_with_true_then_predicted() -> None:
    """Thirteen mistakes of confidence 0.50 ... 0.62 and two right answers: the twelve most confident, in
    descending order, each row its text, true label, predicted label and the probability given."""
    n = 13
    conf = [0.5 + i / 100 for i in range(n)] + [0.99, 0.98]
    p = Predictions("file", [f"t{i}" for i in range(n + 2)], [0] * n + [1, 1], [1] * n + [1, 1], conf)
    rows = _rows(classify._mistakes_html(_model(), p))
    assert rows == [[f"t{i}", "neg", "pos", f"{conf[i]:.3f}"] for i in range(n - 1, 0, -1)]


def test_a_taggers_mistakes_keep_their_order_and_show_no_probability() -> None:
    tokens = ["x", "y", "z"]
    p = Predictions("file", [(tokens, 0), (tokens, 1), (tokens, 2)], [0, 1, 0], [1, 0, 0], [math.nan] * 3)
    rows = _rows(classify._mistakes_html(_model(), p))
    assert [r[1:] for r in rows] == [["neg", "pos", "–"], ["pos", "neg", "–"]]


def test_the_scores_table_gives_precision_recall_f1_and_support_in_that_order() -> None:
    report = {"accuracy": 0.75, "macro_f1": 0.5, "count": 1200,
              "per_class": {"a": {"precision": 0.25, "recall": 0.5, "f1": 1 / 3, "support": 7}}}
    html = classify._scores_table(report)
    assert "<p>accuracy 0.7500, macro-F1 0.5000 over 1,200 items</p>" in html
    assert _rows(html) == [["a", "0.2500", "0.5000", "0.3333", "7"]]


def test_the_confusion_figure_escapes_labels_reads_them_as_categories_and_writes_counts_up_to_30() -> None:
    report = {"labels": ["<b>", "1"], "confusion": [[3, 1], [0, 2]]}
    fig = classify.confusion_figure(report)
    assert list(fig.data[0].x) == ["&lt;b&gt;", "1"] and fig.data[0].texttemplate == "%{text}"
    assert (fig.layout.xaxis.type, fig.layout.yaxis.type, fig.layout.yaxis.autorange) == ("category", "category",
                                                                                         "reversed")
    many = classify.confusion_figure({"labels": [str(i) for i in range(31)], "confusion": [[0] * 31] * 31})
    assert many.data[0].texttemplate is None


def _csv(path: Path, rows: int, seed: int) -> Path:
    """``review``/``sentiment`` columns (not the default names), as a run given --text-column and --label-column
    reads them."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["review", "sentiment"])
        for i in range(rows):
            w.writerow([" ".join(rng.sample(["good", "great", "fine"] if i % 2 else ["bad", "dull", "poor"], 2)),
                        "pos" if i % 2 else "neg"])
    return path


@pytest.fixture(scope="module")
def val_data_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rnnkit.cli import main

    tmp = tmp_path_factory.mktemp("val_data_run")
    train, val = _csv(tmp / "train.csv", 60, 0), _csv(tmp / "val.csv", 14, 1)
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(train), "--val-data", str(val), "--text-column", "review",
                 "--label-column", "sentiment", "--out", str(out), "--steps", "2", "--hidden", "4",
                 "--embedding", "4", "--pooling", "attention", "--no-progress", "--json"]) == 0
    return out


def test_a_run_with_a_val_data_file_is_scored_on_all_of_it_read_with_its_own_columns(val_data_run: Path) -> None:
    """The page scores every row of the run's --val-data (not a split of it, nor the --data file's split) with
    the run's --text-column and --label-column, and says where the items come from."""
    from rnnkit.report import write_report

    page = write_report(val_data_run).read_text(encoding="utf-8")
    assert "over 14 items</p>" in page
    assert f'<p class="note">on {val_data_run.parent / "val.csv"}</p>' in page


def test_a_label_the_model_does_not_know_is_refused(val_data_run: Path, tmp_path: Path) -> None:
    from rnnkit.errors import UserError
    from rnnkit.report import write_report

    data = tmp_path / "d.csv"
    data.write_text("review,sentiment\ngood film,pos\nso so,meh\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"d\.csv: label 'meh' is not one the model knows \(neg, pos\)$"):
        write_report(val_data_run, data=str(data), output=str(tmp_path / "page.html"))


def test_each_items_confidence_is_the_probability_of_the_predicted_label(val_data_run: Path) -> None:
    import rnnkit

    m = rnnkit.load(val_data_run)
    p = classify.predictions(m, None)
    probs = m.probabilities(p.items)
    assert p.y_pred == probs.argmax(-1).tolist()
    assert p.confidence == pytest.approx(probs.max(-1).values.tolist())


def test_attention_colours_run_from_white_at_the_least_attended_token_to_red_at_the_most(val_data_run: Path) -> None:
    import rnnkit

    spans = re.findall(r'<span style="background:rgba\(214,39,40,([0-9.]+)\)" title="([0-9.]+)">',
                       classify._attention_html(rnnkit.load(val_data_run), "good great fine bad dull"))
    shades, weights = [float(a) for a, _ in spans], [float(w) for _, w in spans]  # one span a token
    assert len(spans) > 1 and sum(weights) == pytest.approx(1.0, abs=0.0005 * len(spans))
    assert (max(shades), min(shades)) == (1.0, 0.0)


def test_the_runs_own_split_of_its_data_is_named_as_such(tmp_path: Path) -> None:
    from rnnkit.cli import main
    from rnnkit.report import write_report

    train = _csv(tmp_path / "train.csv", 60, 0)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(train), "--text-column", "review", "--label-column", "sentiment",
                 "--out", str(out), "--steps", "2", "--hidden", "4", "--embedding", "4", "--no-progress",
                 "--json"]) == 0
    page = write_report(out).read_text(encoding="utf-8")
    assert f"<p class=\"note\">on {train} (the run&#x27;s validation split)</p>" in page


def test_a_tagger_page_scores_its_runs_validation_split_as_evaluate_does(tmp_path: Path) -> None:
    """Tokens of the run's validation sentences only, each against the tag the tagger chose (hand-checked
    against ``evaluate --split val``); a tag the model does not know in a given file is refused."""
    import rnnkit
    from rnnkit.cli import main
    from rnnkit.errors import UserError
    from rnnkit.report import write_report

    lines = [f"{w}\t{'N' if w in 'abc' else 'V'}" for w in "abcdefabcdef"]
    train = tmp_path / "train.conll"
    train.write_text("\n\n".join("\n".join(lines[i % 6 : i % 6 + 3 + i % 4]) for i in range(30)) + "\n",
                     encoding="utf-8")
    out = tmp_path / "tag"
    assert main(["train", "tag", "--data", str(train), "--out", str(out), "--steps", "2", "--hidden", "4",
                 "--embedding", "4", "--no-progress", "--json"]) == 0
    scores = rnnkit.load(out).evaluate(str(train), split="val")
    page = write_report(out).read_text(encoding="utf-8")
    assert f"accuracy {scores['accuracy']:.4f}, macro-F1 {scores['macro_f1']:.4f} over {scores['count']:,}" in page
    assert "<h2>Mistakes</h2>" in page and "Most confident mistakes" not in page
    other = tmp_path / "other.conll"
    other.write_text("a\tN\nb\tX\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"other\.conll:2: column 2 \(tag\): tag 'X' is not one the model knows"):
        write_report(out, data=str(other), output=str(tmp_path / "p.html"))
