"""A file of several rows without a text (a recogniser's transcripts of calls heard as nothing, written by
`rnnkit transcribe --json` and given to `rnnkit predict CLASSIFIER --file heard.jsonl`) is refused in one line naming
them all: the first line, how many, which (the first five). It was refused a row at a time: the user mended line 7,
ran again, was told of line 19, and so on. One such row is refused as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


def _jsonl(path: Path, texts: list[str | None]) -> Path:
    path.write_text("".join(json.dumps({"file": f"call{i}.wav", "text": t}) + "\n" for i, t in enumerate(texts)),
                    encoding="utf-8")
    return path


def test_every_empty_transcript_is_named_in_one_refusal(tmp_path: Path) -> None:
    texts: list[str | None] = ["안녕하세요 고객님"] * 30
    for i in (6, 18, 22, 24, 25, 27, 29):  # lines 7, 19, 23, 25, 26, 28, 30
        texts[i] = "" if i != 24 else "  "
    path = _jsonl(tmp_path / "heard.jsonl", texts)
    with pytest.raises(UserError) as refused:
        read_table(path, require_label=False)
    assert str(refused.value) == (f"{path}:7: column 'text' is empty on 7 rows (lines 7, 19, 23, 25, 26 ...); every "
                                  "row needs a text: give each one, or leave those rows out")


def test_empty_and_null_texts_are_named_together(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "heard.jsonl", ["a call", None, "another", ""])
    with pytest.raises(UserError, match=r"heard\.jsonl:2: column 'text' is empty or null on 2 rows \(lines 2, 4\)"):
        read_table(path, require_label=False)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_csv_or_tsv_file_s_empty_texts_are_named_together(tmp_path: Path, sep: str) -> None:
    path = tmp_path / ("calls.csv" if sep == "," else "calls.tsv")
    path.write_text(f"text{sep}label\nhello{sep}a\n{sep}b\nhi{sep}a\n {sep}a\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"calls\.[ct]sv:3: column 'text' is empty on 2 rows \(lines 3, 5\); every "):
        read_table(path)


@pytest.mark.parametrize(("text", "said"), [("", "is empty; every row needs a text"),
                                            (None, "is null (a missing value); every row needs a text")])
def test_one_row_without_a_text_is_refused_as_before(tmp_path: Path, text: str | None, said: str) -> None:
    path = _jsonl(tmp_path / "heard.jsonl", ["a call", text])
    with pytest.raises(UserError) as refused:
        read_table(path, require_label=False)
    assert str(refused.value) == f"{path}:2: column 'text' {said}"


def test_a_count_in_the_thousands_has_its_comma(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("text,label\n" + ",a\n" * 1200, encoding="utf-8")
    said = r"calls\.csv:2: column 'text' is empty on 1,200 rows \(lines 2, 3, 4, 5, 6 \.\.\.\)"
    with pytest.raises(UserError, match=said):
        read_table(path)
