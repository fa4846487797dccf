"""`rnnkit report` of a multi-label classifier: the page holds the scores `rnnkit evaluate --json` prints for
the same file (micro-F1 also against scikit-learn's), a per-label table and bars, no confusion matrix, and the
training curves of micro-F1."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("plotly")

import rnnkit  # noqa: E402
from rnnkit.cli import main  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from test_classify_multilabel import cooking, train_cooking  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: the page's summary line: each of its numbers
SUMMARY = re.compile(r"micro-F1 ([\d.]+), macro-F1 ([\d.]+), exact match ([\d.]+), P@1 ([\d.]+), R@1 ([\d.]+) "
                     r"at threshold ([\d.]+) over (\d+) texts \((\d+) labels, (\d+) predicted\)")
SUMMARY_KEYS = ("micro_f1", "macro_f1", "exact_match", "precision_at_1", "recall_at_1", "threshold", "count",
                "label_count", "predicted_count")


@pytest.fixture(scope="module")
def multi_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A multi-label run (30 updates) and a file to score that holds a label unseen in training ('pasta')."""
    tmp = tmp_path_factory.mktemp("mlreport")
    out = train_cooking(tmp, 150, 30, "--eval-every", "10", "--embedding", "8")
    valid = cooking(tmp / "c.valid", 40, 1)
    with valid.open("a", encoding="utf-8") as f:
        f.write("__label__sauce __label__pasta gravy with noodles\n__label__pasta penne al dente\n")
    return out, valid


def _evaluated(out: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(data), "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _per_label_rows(page: str) -> dict[str, list[str]]:
    """The per-label table of the page: label -> its precision, recall, F1 and support cells."""
    start = page.index("<th>label</th>")
    rows = re.findall(r"<tr>((?:<td>[^<]*</td>)+)</tr>", page[start : page.index("</table>", start)])
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in rows]
    return {html.unescape(c[0]): c[1:] for c in cells}


def _sklearn_micro_f1(out: Path, data: Path, labels: list[str]) -> float:
    """scikit-learn's micro-F1 of the model's labels at 0.5 on a fastText file, a label unseen in training
    a column the model never gives."""
    metrics = pytest.importorskip("sklearn.metrics")
    lines = [line.split() for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [" ".join(w for w in words if not w.startswith("__label__")) for words in lines]
    truth = [[labels.index(w[len("__label__"):]) for w in words if w.startswith("__label__")] for words in lines]
    y = torch.zeros(len(lines), len(labels), dtype=torch.long)
    for i, columns in enumerate(truth):
        y[i, columns] = 1
    probs = rnnkit.load(out).probabilities(texts)
    predicted = torch.zeros_like(y)
    predicted[:, : probs.shape[1]] = (probs >= 0.5).long()
    return float(metrics.f1_score(y.numpy(), predicted.numpy(), average="micro", zero_division=0))


def test_multi_label_page_holds_evaluates_scores(multi_run: tuple[Path, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out, valid = multi_run
    want = _evaluated(out, valid, capsys)
    assert want["unseen_labels"] == ["pasta"]
    assert main(["report", str(out), "--data", str(valid)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f'<p class="note">on {html.escape(str(valid))}</p>' in page
    got = [float(x) for x in SUMMARY.search(page).groups()]
    assert got == pytest.approx([want[k] for k in SUMMARY_KEYS], abs=5e-5)
    for average in ("micro", "macro"):
        row = re.search(rf"<td>{average}</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td>", page)
        assert [float(x) for x in row.groups()] == pytest.approx(
            [want[f"{average}_{s}"] for s in ("precision", "recall", "f1")], abs=5e-5)
    rows = _per_label_rows(page)
    assert list(rows) == want["labels"] == ["bread", "cheese", "sauce", "pasta"]
    for label, cells in rows.items():
        c = want["per_class"][label]
        assert [float(x) for x in cells[:3]] == pytest.approx([c["precision"], c["recall"], c["f1"]], abs=5e-5)
        assert int(cells[3]) == c["support"]
    assert rows["pasta"] == ["0.0000", "0.0000", "0.0000", "2"]
    assert html.escape("1 label unseen in training, counted as missed (as fastText's test counts them): "
                       "'pasta'") in page
    assert got[0] == pytest.approx(_sklearn_micro_f1(out, valid, want["labels"]), abs=5e-5)
    assert 'id="per-label"' in page and 'id="confusion"' not in page
    assert html.escape("no confusion matrix: a multi-label model's texts have several labels each") in page
    assert 'id="curves"' in page and '"name":"val micro f1"' in page  # the training curves, as a single-label run's


def test_multi_label_page_scores_the_runs_validation_split(multi_run: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = multi_run
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    train = Path(config["data"]["train"])
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(train), "--split", "val", "--json"]) == 0
    want = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(f"on {train} (the run's validation split)") in page and "Not shown" not in page
    got = [float(x) for x in SUMMARY.search(page).groups()]
    assert got == pytest.approx([want[k] for k in SUMMARY_KEYS], abs=5e-5)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = min((r for r in records if "val_loss" in r), key=lambda r: r["val_loss"])  # the checkpoint's evaluation
    assert got[0] == pytest.approx(kept["val_micro_f1"], abs=5e-5)  # of the same rows


def test_multi_label_page_refuses_a_file_of_no_texts(multi_run: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = multi_run
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(out), "--data", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: ") and str(empty) in err and err.count("\n") == 1


@pytest.mark.parametrize("labels", [["1", "2", "3", "4", "5", "other"], ["2019", "2020", "2021"], ["0.5", "x"]])
def test_label_axes_are_categories_whatever_the_labels_read_as(labels: list[str]) -> None:
    """Plotly makes an axis of numbers (or dates) from labels that mostly read as such, fastText's star ratings
    '1' ... '5', and drops the bar or cell of a label that does not ('other'): each label axis is a category
    axis, the per-label bars' and the confusion matrix's."""
    from rnnkit.report.classify import confusion_figure
    from rnnkit.report.multilabel import per_label_figure

    scores = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 1}
    bars = per_label_figure({"labels": labels, "per_class": {lab: scores for lab in labels}})
    assert bars.layout.xaxis.type == "category"
    assert list(bars.data[0].x) == labels
    heat = confusion_figure({"labels": labels, "confusion": [[1] * len(labels)] * len(labels)})
    assert (heat.layout.xaxis.type, heat.layout.yaxis.type) == ("category", "category")


def test_confident_mistakes_rank_by_the_worst_mistake_against_brute_force() -> None:
    """Every (text, label) decision enumerated by hand: a label given wrongly counts p, one missed 1 - p, a
    text its largest, ties in file order; a label unseen in training ('z') is listed as missed, never counted."""
    import random

    from rnnkit.multilabel import confident_mistakes, score

    rng = random.Random(3)
    labels = ["a", "b", "c"]
    truths = [sorted(rng.sample([*labels, "z"], rng.randint(1, 3))) for _ in range(30)]
    probs = torch.tensor([[round(rng.random(), 3) for _ in labels] for _ in truths])
    cut = 0.4
    s = score([f"text {i}" for i in range(30)], truths, probs, labels, cut)
    want = []
    for i, truth in enumerate(truths):
        row = probs[i].tolist()
        wrong = [p if p >= cut else 1 - p for lab, p in zip(labels, row, strict=True) if (p >= cut) != (lab in truth)]
        if wrong:
            want.append((-max(wrong), i))
    want.sort()
    got = confident_mistakes(s, k=12)
    assert [m.index for m in got] == [i for _, i in want[:12]]
    assert [m.confidence for m in got] == [-w for w, _ in want[:12]]
    for m in got:
        truth, row = truths[m.index], probs[m.index].tolist()
        given = [(lab, p) for lab, p in zip(labels, row, strict=True) if p >= cut and lab not in truth]
        assert m.given == sorted(given, key=lambda lp: -lp[1])  # the most probable first
        missed = sorted((p, lab) for lab, p in zip(labels, row, strict=True) if lab in truth and p < cut)
        assert m.missed == [(lab, p) for p, lab in missed] + ([("z", 0.0)] if "z" in truth else [])
    both = score(["right but z", "b wrongly"], [["a", "z"], ["z"]], torch.tensor([[0.9, 0.1, 0.1], [0.1, 0.6, 0.1]]),
                 labels, 0.5)
    [only] = confident_mistakes(both)  # the first text's one mistake is 'z', which the model cannot give
    assert (only.index, only.given, only.missed) == (1, [("b", pytest.approx(0.6))], [("z", 0.0)])


def test_a_probability_equal_to_the_threshold_is_given_not_missed() -> None:
    """At the threshold a label is given (as evaluate counts it): a wrong one at exactly 0.5 is a mistake of
    confidence 0.5, a true one at 0.5 is no miss; probabilities exact in float32."""
    from rnnkit.multilabel import confident_mistakes, score

    s = score(["t"], [["a"]], torch.tensor([[0.5, 0.5]]), ["a", "b"], 0.5)
    assert s.report["predicted_count"] == 2 and s.report["per_class"]["a"]["recall"] == 1.0
    [only] = confident_mistakes(s)
    assert (only.index, only.confidence, only.given, only.missed) == (0, 0.5, [("b", 0.5)], [])


def _mistake_rows(page: str) -> list[list[str]]:
    """The page's "Most confident mistakes" table: each row's cells, HTML unescaped and untagged."""
    start = page.index("<th>given wrongly (p)</th>")
    body = page[start : page.index("</table>", start)]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


@pytest.mark.parametrize("threshold", [None, "0.3"])
def test_the_page_lists_confident_mistakes_at_evaluates_threshold(multi_run: tuple[Path, Path], threshold: str | None,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.multilabel import confident_mistakes

    out, valid = multi_run
    flag = ["--threshold", threshold] if threshold else []
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(valid), "--json", *flag]) == 0
    want = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["report", str(out), "--data", str(valid), *flag]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    got = [float(x) for x in SUMMARY.search(page).groups()]
    assert got == pytest.approx([want[k] for k in SUMMARY_KEYS], abs=5e-5)
    assert want["threshold"] == (float(threshold) if threshold else 0.5)
    if threshold:  # the flag changed the figures, not only the number the page names
        default = rnnkit.load(out).evaluate(str(valid))
        assert got[SUMMARY_KEYS.index("predicted_count")] > default["predicted_count"]
        assert got[0] != pytest.approx(default["micro_f1"], abs=5e-5)
    scored = rnnkit.load(out).scored(str(valid), threshold=want["threshold"])
    expected = confident_mistakes(scored, 12)
    rows = _mistake_rows(page)
    assert len(rows) == len(expected) > 0
    for row, m in zip(rows, expected, strict=True):
        assert row[0] == scored.texts[m.index] and float(row[4]) == pytest.approx(m.confidence, abs=5e-4)
    assert any("pasta (0.000)" in row[3] for row in rows)  # the unseen label: shown as missed


def test_threshold_is_checked_as_evaluates_and_refused_where_no_page_reads_it(
        multi_run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, valid = multi_run
    capsys.readouterr()
    assert main(["report", str(out), "--threshold", "1.5"]) == 2
    page_err = capsys.readouterr().err
    assert main(["evaluate", str(out), "--data", str(valid), "--threshold", "1.5"]) == 2
    assert page_err == capsys.readouterr().err and page_err.count("\n") == 1
    single = tmp_path / "single.txt"
    single.write_text("".join(f"__label__{'a' if i % 2 else 'b'} word{i % 2} x\n" for i in range(40)), encoding="utf-8")
    run = tmp_path / "single-run"
    assert main(["train", "classify", "--data", str(single), "--out", str(run), "--steps", "2", "--no-autotune",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--threshold", "0.3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: --threshold 0.3: applies only to a multi-label classifier's page")
    assert err.count("\n") == 1 and not (run / "report.html").exists()


def test_mistakes_of_an_attention_model_colour_each_token_as_the_single_label_page_does(tmp_path: Path) -> None:
    """With attention pooling the texts of the list are shown token by token, each coloured and titled with its
    attention weight (a text's weights sum to 1), as in a single-label classifier's list."""
    from rnnkit.report import write_report

    out = train_cooking(tmp_path, 100, 10, "--pooling", "attention", "--embedding", "8")
    page = write_report(out, data=str(cooking(tmp_path / "c.valid", 30, 1))).read_text(encoding="utf-8")
    assert "coloured by the attention pooling's weight" in page
    start = page.index("<th>given wrongly (p)</th>")
    texts = re.findall(r"<tr><td>(.*?)</td>", page[start : page.index("</table>", start)])
    assert texts
    for text in texts:
        weights = [float(w) for w in re.findall(r'<span style="background:[^"]+" title="([\d.]+)">', text)]
        assert len(weights) == len(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) > 1
        assert sum(weights) == pytest.approx(1, abs=5e-3 * len(weights))
