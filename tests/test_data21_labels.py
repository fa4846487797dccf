"""A label is its text, as fastText reads labels (docs/CLASSIFY.md, Data): '1' and '1.0' are two classes."""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.tabular import read_table, sort_labels


def test_labels_1_and_1_0_in_one_csv_are_two_classes(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,label\ngood,1\nfine,1.0\nbad,0\nawful,01\n", encoding="utf-8")
    labels = read_table(path).labels
    assert labels == ["1", "1.0", "0", "01"]
    assert sort_labels(labels) == ["0", "01", "1", "1.0"]  # numerically, then by text: a stable order
