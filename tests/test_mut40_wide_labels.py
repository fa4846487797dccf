"""Mutation round 40: labels padded by their terminal columns (walk52's metrics.py) where they are wider than the
columns' least widths, fullwidth forms, and the two-label --threshold refusal's own cut-off."""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

from rnnkit.metrics import classification_report, format_report
from rnnkit.tasks._classify_trained import TextClassifier


def columns(line: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_long_hangul_labels_widen_the_label_column_and_the_matrix_cells() -> None:
    """보이스피싱 (ten columns) is wider than the label column's 8 and the matrix cell's 6: both take its width."""
    report = classification_report([0, 1, 1], [0, 1, 1], ["보이스피싱", "정상"])
    lines = format_report(report, "texts").splitlines()
    header, row = lines[1], lines[2]
    assert header.startswith("label" + " " * 5 + "  precision") and row.startswith("보이스피싱  1.0000")
    matrix = lines[-3:]
    assert matrix[0] == " " * 10 + " 보이스피싱" + " " * 7 + "정상", matrix
    assert len({columns(line) for line in matrix}) == 1


def test_fullwidth_letters_take_two_columns() -> None:
    label = "ＳＰＡＭ"  # fullwidth forms, as a Japanese IME types them: eight columns
    row = format_report(classification_report([0, 1], [0, 1], [label, "ham"]), "texts").splitlines()[2]
    assert row == label + "  1.0000     1.0000  1.0000  1"


def test_the_threshold_refusal_says_the_rule_it_has() -> None:
    said = TextClassifier._own_cut(SimpleNamespace(labels=["scam", "normal"]))  # type: ignore[arg-type]
    assert said.startswith(" (above 0.5); to call a text one label at another probability")
