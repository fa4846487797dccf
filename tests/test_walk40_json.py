"""A pandas user's JSON: ``df.to_json("calls.json", orient="records")`` (one array) or with ``lines=True`` under the
name ``.json``. Both were read as CSV and refused as "malformed header (',' expected after '"')"; now the refusal
says what the file is and how to save it as the JSON Lines rnnkit reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError

ROWS = [{"id": i, "text": f"안전계좌로 이체 {i}" if i % 2 else f"엄마 저녁 {i}", "label": ["normal", "scam"][i % 2]}
        for i in range(6)]


def refusal(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_table(path, "text", "label")
    return str(caught.value)


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_array_is_named_with_the_pandas_call_that_writes_json_lines(tmp_path: Path, indent: int | None) -> None:
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False, indent=indent), encoding="utf-8")
    assert refusal(path) == (f"{path}:1: a JSON document (as pandas' to_json(orient='records') writes), not CSV; "
                             "rnnkit reads JSON Lines, one object a line, from a file named .jsonl: "
                             "df.to_json('FILE.jsonl', orient='records', lines=True, force_ascii=False)")


def test_json_lines_under_another_name_are_told_to_be_renamed(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "calls.json"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    assert main(["train", "classify", "--data", str(path), "--out", str(tmp_path / "run"), "--steps", "1"]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {path}:1: a JSON object on the line: JSON Lines, which rnnkit "
                                       "reads from a file named .jsonl (or .ndjson); rename the file\n")
    assert not (tmp_path / "run").exists()
    renamed = path.rename(tmp_path / "calls.jsonl")
    assert read_table(renamed, "text", "label").labels == [r["label"] for r in ROWS]


def test_a_csv_whose_first_text_begins_with_a_bracket_reads(tmp_path: Path) -> None:
    path = tmp_path / "sms.csv"
    path.write_text("[광고] 신규 요금제 할인,ad\n엄마 저녁 먹고 갈게,normal\n[광고] 보험 안내,ad\n오늘 늦어,normal\n",
                    encoding="utf-8")
    table = read_table(path, "text", "label")
    assert (table.texts[0], table.labels[0]) == ("[광고] 신규 요금제 할인", "ad")


@pytest.mark.parametrize(("value", "said"), [
    (None, "column 'text' is null (a missing value); every row needs a text"),
    (12345, "column 'text' is 12345, not a string; expected the text in quotes"),
])
def test_a_json_lines_text_that_is_no_string_is_shown(tmp_path: Path, value: object, said: str) -> None:
    """pandas writes an empty cell as null: it was "column 'text' is not a string", with no word of what it held."""
    path = tmp_path / "calls.jsonl"
    lines = [json.dumps(ROWS[0], ensure_ascii=False), json.dumps({"text": value, "label": "scam"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert refusal(path) == f"{path}:2: {said}"
