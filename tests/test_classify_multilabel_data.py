"""Multi-label reading: several fastText marks a line, a JSONL list, a CSV cell split at --label-separator."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import check_labels_known, read_table
from rnnkit.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_fasttext_lines_with_several_labels(tmp_path: Path) -> None:
    """fastText's tutorial data has several labels a line; rnnkit refused the line."""
    p = write(tmp_path / "cooking.train", "__label__sauce __label__cheese How much starch in a cheese sauce?\n"
                                          "__label__baking Why is my bread dense? __label__bread __label__baking\n"
                                          "__label__sauce Thin gravy\n")
    t = read_table(p)
    assert t.label_sets == [["sauce", "cheese"], ["baking", "bread"], ["sauce"]]
    assert t.labels == ["cheese sauce", "baking bread", "sauce"] and t.most_labels() == 2  # the split's keys
    assert t.texts == ["How much starch in a cheese sauce?", "Why is my bread dense?", "Thin gravy"]
    assert t.rows[0] == {"label": "sauce cheese", "text": "How much starch in a cheese sauce?"}
    assert t.subset([2, 0]).label_sets == [["sauce"], ["sauce", "cheese"]]


def test_a_repeated_mark_is_one_label_and_a_single_label_file_reads_as_before(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "a.txt", "__label__pos __label__pos fine\n__label__neg dull\n"))
    assert t.labels == ["pos", "neg"] and t.label_sets is None and t.most_labels() == 1
    assert t.label_lists() == [["pos"], ["neg"]]


def test_jsonl_label_lists(tmp_path: Path) -> None:
    p = write(tmp_path / "a.jsonl", '{"text": "a", "label": ["x", " y", "x"]}\n{"text": "b", "label": ["z"]}\n')
    t = read_table(p)
    assert t.label_sets == [["x", "y"], ["z"]] and t.labels == ["x y", "z"]
    flipped = read_table(write(tmp_path / "b.jsonl", '{"text": "a", "label": ["y", "x"]}\n'))
    assert flipped.labels == ["x y"] and flipped.label_sets == [["y", "x"]]
    assert t.rows[0]["label"] == ["x", " y", "x"]  # the row keeps its JSON as it came
    unlabelled = read_table(write(tmp_path / "u.jsonl", '{"text": "a", "label": []}\n'), require_label=False)
    assert unlabelled.labels == [None] and unlabelled.label_sets == [[]]


def test_csv_label_separator(tmp_path: Path) -> None:
    p = write(tmp_path / "a.csv", "text,label\na,sauce| cheese\nb,baking\n")
    t = read_table(p, label_separator="|")
    assert t.label_sets == [["sauce", "cheese"], ["baking"]] and t.labels == ["cheese sauce", "baking"]
    plain = read_table(p)  # off by default: the cell is one label
    assert plain.labels == ["sauce| cheese", "baking"] and plain.label_sets is None
    tsv = read_table(write(tmp_path / "a.tsv", "text\tlabel\na\tx;y\n"), label_separator=";")
    assert tsv.label_sets == [["x", "y"]]


@pytest.mark.parametrize(("name", "content", "kwargs", "message"), [
    ("a.jsonl", '{"text": "a", "label": ["x", 3]}\n', {}, "a.jsonl:1: column 'label': 3 in the list is not a string"),
    ("a.jsonl", '{"text": "a", "label": ["x"]}\n{"text": "b", "label": []}\n', {},
     "a.jsonl:2: column 'label' is an empty list; every row needs at least one label"),
    ("a.jsonl", '{"text": "a", "label": ["x", " "]}\n', {}, "a.jsonl:1: column 'label': an empty label in the list"),
    ("a.jsonl", '{"text": "a", "label": {"x": 1}}\n', {}, "a.jsonl:1: column 'label' must be a string, a number or"),
    ("a.csv", "text,label\na,x|y\nb,x||y\n", {"label_separator": "|"},
     "a.csv:3: column 'label': an empty label in 'x||y' (split at --label-separator '|')"),
    ("a.txt", "__label__a __label__ text\n", {}, "a.txt:1: an empty label"),
])
def test_bad_multi_label_input_is_one_line(tmp_path: Path, name: str, content: str, kwargs: dict,
                                           message: str) -> None:
    with pytest.raises(UserError) as err:
        read_table(write(tmp_path / name, content), **kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_an_unknown_label_among_several_is_named(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "v.txt", "__label__a fine\n__label__a __label__c dull\n"))
    with pytest.raises(UserError, match=r"v.txt:2: column 'label': label 'c' is not one of the model's labels"):
        check_labels_known(t, ["a", "b"])


def test_labels_that_hold_every_joiner_are_joined_by_a_spaced_bar_that_reads_back(tmp_path: Path) -> None:
    """Labels holding ',', '|', ';' and '/' each: a predicted cell is joined by ' | ', which a CSV cell split at
    it reads back as the same labels (a comma would split 'a,b')."""
    import csv

    from rnnkit.multilabel import label_joiner

    labels = ["a,b", "c|d", "e;f", "g/h"]
    joiner = label_joiner(labels)
    assert joiner == " | "
    path = tmp_path / "p.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["text", "label"], ["x", joiner.join(labels)]])
    assert read_table(path, label_separator=joiner).label_lists() == [labels]
