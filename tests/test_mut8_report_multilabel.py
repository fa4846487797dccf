"""Gaps a mutation audit of :mod:`rnnkit.report.multilabel` found (round 8): each number of the scores' tables
and bars in its place, the mistakes' columns, and the section's refusals and notes, on a hand-made set of
probabilities scored by :func:`rnnkit.multilabel.score` (against scikit-learn where it has the number)."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from typing import Any

import pytest
import torch

pytest.importorskip("plotly")

from rnnkit.errors import UserError  # noqa: E402
from rnnkit.multilabel import NO_CONFUSION, score  # noqa: E402
from rnnkit.report import multilabel as rm  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402

LABELS = ["<b>", "pie", "soup"]
TEXTS = ["t0", "t1", "t2", "t3"]
TRUE = [["<b>"], ["pie", "soup"], ["soup", "new"], ["<b>", "pie"]]
PROBS = torch.tensor([[0.9, 0.6, 0.1], [0.2, 0.7, 0.3], [0.1, 0.2, 0.8], [0.8, 0.7, 0.45]])


def _scored(threshold: float = 0.5) -> Any:
    return score(TEXTS, TRUE, PROBS, LABELS, threshold)


def _cells(table_html: str) -> list[list[str]]:
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>((?:<td>.*?</td>)+)</tr>", table_html)]


def test_the_summary_gives_micro_and_macro_each_in_its_row() -> None:
    from sklearn.metrics import precision_recall_fscore_support

    report = _scored().report
    text = rm._summary_html(report)
    truth = [[int(lab in t) for lab in [*LABELS, "new"]] for t in TRUE]
    pred = [[int(p >= 0.5) for p in row] + [0] for row in PROBS.tolist()]
    rows = {r[0]: [float(x) for x in r[1:]] for r in _cells(text)}
    for average in ("micro", "macro"):
        want = precision_recall_fscore_support(truth, pred, average=average, zero_division=0)[:3]
        assert rows[average] == pytest.approx(want, abs=5e-5), average
    assert rows["micro"] != rows["macro"]
    assert f"exact match {report['exact_match']:.4f}, P@1 {report['precision_at_1']:.4f}" in text
    assert report["exact_match"] != report["micro_f1"]


def test_the_per_label_table_gives_each_labels_scores_in_order_and_names_the_unseen() -> None:
    report = _scored().report
    text = rm._per_label_html(report)
    rows = {r[0]: r[1:] for r in _cells(text)}
    assert rows["pie"] == ["0.6667", "1.0000", "0.8000", "2"]  # given to t0, t1, t3; true for t1, t3
    assert rows["soup"] == ["1.0000", "0.5000", "0.6667", "2"]
    assert text.endswith("</table><p>1 label unseen in training, counted as missed (as fastText&#x27;s test counts "
                         "them): &#x27;new&#x27;</p>")
    assert rm._per_label_html({**report, "unseen_labels": []}).endswith("</table>")


def test_the_bars_are_each_labels_precision_recall_and_f1_on_a_category_axis() -> None:
    report = _scored().report
    fig = rm.per_label_figure(report)
    assert [b.name for b in fig.data] == ["precision", "recall", "F1"]
    assert list(fig.data[0].x) == ["&lt;b&gt;", "pie", "soup", "new"]
    for bar, key in zip(fig.data, ("precision", "recall", "f1"), strict=True):
        assert list(bar.y) == [report["per_class"][lab][key] for lab in report["labels"]]
        assert list(bar.customdata) == [2, 2, 2, 1]
    assert fig.layout.xaxis.type == "category" and tuple(fig.layout.yaxis.range) == (0, 1)
    assert fig.layout.width == 300 + 60 * 4


def test_the_mistakes_list_each_texts_true_labels_given_wrongly_and_missed() -> None:
    m = SimpleNamespace(model=SimpleNamespace(pooling="mean"), tokenizer=SimpleNamespace(kind="word"), config={})
    text = rm._mistakes_html(m, _scored())
    rows = _cells(text)
    # t0: pie given at 0.6 (worst 0.6); t1: soup missed at 0.3 (1 - 0.3 = 0.7); t2: new missed but not counted;
    # t3: nothing wrong at 0.5 (soup 0.45 is not true)
    assert rows == [["t1", "pie, soup", "–", "soup (0.300)", "0.700"], ["t0", "<b>", "pie (0.600)", "–", "0.600"]]
    assert "<td>&lt;b&gt;</td>" in text
    right = score(["a"], [["pie"]], torch.tensor([[0.1, 0.9, 0.1]]), LABELS)
    assert rm._mistakes_html(m, right) == "<p>No mistakes on this data.</p>"
    assert rm._labels_html([("<b>", 0.25), ("pie", 0.5)]) == "&lt;b&gt; (0.250), pie (0.500)"
    assert rm._labels_html([]) == "–"


def test_the_twelve_most_confident_mistakes_are_listed() -> None:
    m = SimpleNamespace(model=SimpleNamespace(pooling="mean"), tokenizer=SimpleNamespace(kind="word"), config={})
    probs = torch.tensor([[0.1, 0.5 + i / 40, 0.9] for i in range(14)])  # each gives pie wrongly, later ones surer
    rows = _cells(rm._mistakes_html(m, score([f"t{i}" for i in range(14)], [["soup"]] * 14, probs, LABELS)))
    assert [r[0] for r in rows] == [f"t{i}" for i in range(13, 1, -1)]


def _section(monkeypatch: pytest.MonkeyPatch, split: str, threshold: float | None, scored: Any) -> list[Any]:
    asked: list[Any] = []

    def scored_of(path: str, split_: str, threshold_: float | None) -> Any:
        asked.append((path, split_, threshold_))
        return scored

    m = SimpleNamespace(model=SimpleNamespace(pooling="mean"), tokenizer=SimpleNamespace(kind="word"), config={},
                        scored=scored_of)
    monkeypatch.setattr(rm, "scored_file", lambda m, data: ("c<1>.txt", split))
    page = Page("p")
    rm.add_sections(page, m, None, threshold)
    return [asked, page.sections]


def test_the_section_scores_at_the_threshold_given_and_names_the_split(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, sections = _section(monkeypatch, "val", 0.3, _scored(0.3))
    assert asked == [("c<1>.txt", "val", 0.3)]
    assert [t for t, _ in sections] == ["Scores", "Per-label scores", "Most confident mistakes"]
    assert sections[0][1].startswith('<p class="note">on c&lt;1&gt;.txt (the run&#x27;s validation split)</p>')
    note = f'<p class="note">{html.escape(NO_CONFUSION)}; each label&#x27;s scores instead</p>'
    assert sections[1][1].startswith(note)
    _, sections = _section(monkeypatch, "file", None, _scored())
    assert sections[0][1].startswith('<p class="note">on c&lt;1&gt;.txt</p>')
    empty = score([], [], torch.zeros(0, 3), LABELS)
    with pytest.raises(UserError, match=r"c<1>.txt: no labelled items to score"):
        _section(monkeypatch, "file", None, empty)
