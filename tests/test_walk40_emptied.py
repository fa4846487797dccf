"""``predict --file`` of an Excel export with an emptied row (``,,,``): the row was left out without a word, so the
output had a row fewer than the file as pandas reads it (that row as NaN), and predictions joined back by position
stood beside the wrong calls from there on. A warning now names the lines left out."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import read_table
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CALLS = "id,text,note\r\n1,안전계좌로 이체,a\r\n,,\r\n2,엄마 저녁,b\r\n\r\n3,택배 링크,c\r\n,,\r\n"


def test_the_table_records_the_rows_of_empty_fields_not_the_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(CALLS, encoding="utf-8")
    table = read_table(path, "text", "label", require_label=False)
    assert table.texts == ["안전계좌로 이체", "엄마 저녁", "택배 링크"]
    assert (table.lines, table.emptied) == ([2, 4, 6], [3, 7])


def test_predict_file_says_which_rows_it_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    run = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(run), "--steps", "1", "--hidden", "4",
                 "--embedding", "4", "--no-progress", "--save-minutes", "0", "--threads", "1"]) == 0
    path = tmp_path / "calls.csv"
    path.write_text(CALLS, encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(run), "--file", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == (f"rnnkit: warning: {path}: 2 rows of empty fields only left out (lines 3, 7); the output has a row "
                   "for each of the 3 texts, not one for each row of the file (pandas reads such a row as a row of "
                   "NaN): join by a column, not by position\n")
    assert [line.split(",")[0] for line in out.splitlines()] == ["id", "1", "2", "3"]
    path.write_text(CALLS.replace(",,\r\n", ""), encoding="utf-8")  # blank lines only: pandas skips them too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["predict", str(run), "--file", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_lines_are_named_as_the_standard_input_warning_names_them() -> None:
    from rnnkit.wording import line_numbers

    assert line_numbers([2]) == "line 2"
    assert line_numbers([1, 2, 3, 4, 5, 6]) == "lines 1, 2, 3, 4, 5 ..."
