"""Span precision/recall/F1 as conlleval counts them, on hand-worked examples."""

from __future__ import annotations

import pytest

from rnnkit.spans import is_span_tagset, span_scores, spans


@pytest.mark.parametrize(("tags", "expected"), [
    (["B-PER", "I-PER", "O", "B-LOC"], {(0, 1, "PER"), (3, 3, "LOC")}),
    (["I-PER", "I-PER", "O"], {(0, 1, "PER")}),                       # I- after O opens a span
    (["B-PER", "I-LOC", "I-LOC"], {(0, 0, "PER"), (1, 2, "LOC")}),    # I- of another type opens one
    (["B-PER", "B-PER"], {(0, 0, "PER"), (1, 1, "PER")}),             # B- always opens one
    (["O", "O"], set()),
    (["S-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "O"], {(0, 0, "PER"), (1, 1, "PER"), (2, 4, "LOC")}),
    (["B-ORG", "E-ORG", "I-ORG"], {(0, 1, "ORG"), (2, 2, "ORG")}),    # I- after E- opens one
    (["B-PER", "S-PER"], {(0, 0, "PER"), (1, 1, "PER")}),             # S- ends the span before it
    (["S-PER", "I-PER"], {(0, 0, "PER"), (1, 1, "PER")}),             # I- after S- opens one
])
def test_spans_follow_conlleval(tags: list[str], expected: set[tuple[int, int, str]]) -> None:
    assert spans(tags) == expected


def test_span_scores_by_hand() -> None:
    true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "O", "O", "B-LOC"], ["I-ORG", "B-MISC"]]
    # true spans: PER 0-1, LOC 3-3, ORG 0-0 (3); predicted: PER 0-0, LOC 3-3, ORG 0-0, MISC 1-1 (4);
    # correct: LOC and ORG (the PER span ends too early)
    s = span_scores(true, pred)
    assert (s["true_spans"], s["pred_spans"], s["correct_spans"]) == (3, 4, 2)
    assert s["span_precision"] == pytest.approx(0.5) and s["span_recall"] == pytest.approx(2 / 3)
    assert s["span_f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert span_scores([["O"]], [["O"]])["span_f1"] == 0.0


def test_span_tagsets_are_detected() -> None:
    assert is_span_tagset(["B-PER", "I-PER", "O"])
    assert is_span_tagset(["B-LOC", "E-LOC", "S-PER", "O", "I-LOC"])
    assert not is_span_tagset(["NN", "VB", "DT"])
    assert not is_span_tagset(["O", "B-PER", "NN"])
    assert not is_span_tagset(["O"])
    assert not is_span_tagset(["B-", "I-", "O"])  # a prefix with no type is no chunk tag
    assert is_span_tagset(["I-PER", "O", "I-LOC"])  # IOB1, as CoNLL-2003 shipped: B- only between two spans
