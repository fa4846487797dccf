"""Mutation audit 36a of walk40's readers: JSON that is not JSON Lines (a pretty-printed object, a first line with
spaces around its bracket; a one-column CSV whose header is quoted reads on), a JSON Lines text shown as JSON, and
Excel's emptied rows (``,,``) counted only where a row has several fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError
from rnnkit.wording import line_numbers

DOCUMENT = ("a JSON document (as pandas' to_json(orient='records') writes), not CSV; rnnkit reads JSON Lines, one "
            "object a line, from a file named .jsonl")


def refusal(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_table(path, "text", "label")
    return str(caught.value)


@pytest.mark.parametrize("written", [
    json.dumps({"text": {"0": "엄마 저녁"}, "label": {"0": "normal"}}, ensure_ascii=False, indent=2),  # one object
    " " + json.dumps([{"text": "엄마 저녁", "label": "normal"}], ensure_ascii=False, indent=2),  # its line: " ["
])
def test_a_pretty_printed_json_document_is_named_as_one(tmp_path: Path, written: str) -> None:
    """The first line ``{`` (or `` [``) alone: a JSON document, not an object a line (nor a CSV header)."""
    path = tmp_path / "calls.json"
    path.write_text(written + "\n", encoding="utf-8")
    assert refusal(path).startswith(f"{path}:1: {DOCUMENT}")


def test_a_one_column_csv_whose_header_is_quoted_reads(tmp_path: Path) -> None:
    """``"text"`` is a JSON string too: only an array or an object is refused."""
    path = tmp_path / "calls.csv"
    path.write_text('"text"\n엄마 저녁\n안전계좌로 이체\n', encoding="utf-8")
    assert read_table(path, "text", "label", require_label=False).texts == ["엄마 저녁", "안전계좌로 이체"]


@pytest.mark.parametrize(("value", "shown"), [(True, "true"),
                                              (list(range(100)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1")])
def test_a_json_lines_text_is_shown_as_json_and_shortened(tmp_path: Path, value: object, shown: str) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps({"text": value, "label": "scam"}) + "\n", encoding="utf-8")
    assert refusal(path) == f"{path}:1: column 'text' is {shown}, not a string; expected the text in quotes"


def test_a_one_column_line_of_spaces_is_no_emptied_row(tmp_path: Path) -> None:
    """pandas skips such a line as blank (it reads ``,,`` as a row): no row of the output goes missing."""
    path = tmp_path / "calls.csv"
    path.write_text("text\n엄마 저녁\n   \n안전계좌로 이체\n", encoding="utf-8")
    table = read_table(path, "text", "label", require_label=False)
    assert (table.texts, table.emptied) == (["엄마 저녁", "안전계좌로 이체"], [])


def test_five_lines_are_named_without_dots() -> None:
    assert line_numbers([1, 2, 3, 4, 5]) == "lines 1, 2, 3, 4, 5"


def test_a_json_lines_text_of_korean_tokens_is_shown_as_written(tmp_path: Path) -> None:
    """A list of tokens was shown escaped, '["\\uc5c4\\ub9c8", ...]': a Korean user could not read the row."""
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps({"text": ["엄마", "저녁"], "label": "normal"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    assert refusal(path) == (f"{path}:1: column 'text' is [\"엄마\", \"저녁\"], not a string; expected the text in "
                             "quotes")
