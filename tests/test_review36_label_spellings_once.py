"""Labels of one class written two ways are warned of (walk40), but with one warning for each such class: a file
merged from two sources, one of them in capitals, had as many long warnings as classes. They are now said once,
naming the first groups and counting the rest; one group reads as before (tests/test_walk40_labels.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

from rnnkit.data.tabular import read_table
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._classify_data import _warn_label_spellings


def _said(path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _warn_label_spellings("label", read_table(str(path)))
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]


def test_several_classes_written_two_ways_are_one_warning(tmp_path: Path) -> None:
    rows = [f"text {i},{label}" for i, label in enumerate(["Sport", "sport", "News", "news", "Tech", "tech", "1",
                                                           "1.0", "other"])]
    data = tmp_path / "merged.csv"
    data.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    said = _said(data)
    assert len(said) == 1
    assert said[0].startswith(f"column 'label': the labels '1' ({data}:8) and '1.0' ({data}:9) differ only in how "
                              f"the number is written; the labels 'News' ({data}:4) and 'news' ({data}:5) differ only "
                              "in case; ")
    assert "; and 1 more such group; each spelling is a class of its own" in said[0]


def test_one_class_written_two_ways_reads_as_before(tmp_path: Path) -> None:
    data = tmp_path / "calls.csv"
    data.write_text("text,label\na,scam\nb,Scam\nc,normal\n", encoding="utf-8")
    assert _said(data) == [f"column 'label': the labels 'Scam' ({data}:3) and 'scam' ({data}:2) differ only in case; "
                           "they are 2 classes, as labels are read as written (as fastText reads them): if they are "
                           "one, write it one way in the file"]
