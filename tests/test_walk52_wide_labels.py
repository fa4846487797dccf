"""walk52: Korean labels (사기, 정상) keep the per-label table and the confusion matrix in line in a terminal, where a
Hangul syllable takes two columns; padded by their length, each row of theirs was pushed out by two columns."""

from __future__ import annotations

import unicodedata

from rnnkit.metrics import classification_report, format_report


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_hangul_labels_line_up_with_the_header_and_the_numbers() -> None:
    report = classification_report([0, 0, 1, 1, 1], [0, 1, 1, 1, 1], ["사기", "정상"])
    lines = format_report(report, "texts").splitlines()
    header, scam, normal = lines[1:4]
    assert header.startswith("label     precision")
    # each row's precision begins in the column of the header's "precision"
    for row in (scam, normal):
        first_number = next(i for i, c in enumerate(row) if c.isdigit())
        assert columns(row[:first_number]) == header.index("precision"), row
    assert scam == "사기      1.0000     0.5000  0.6667  2"
    matrix = lines[5:]
    assert matrix == ["          사기  정상", "사기         1     1", "정상         0     3"]
    assert len({columns(line) for line in matrix}) == 1


def test_a_combining_accent_takes_no_column() -> None:
    label = "cafe\u0301"  # é written with a combining accent
    report = classification_report([0, 1], [0, 1], [label, "tea"])
    row = format_report(report, "texts").splitlines()[2]
    assert row == label + " " * 4 + "  1.0000     1.0000  1.0000  1"
