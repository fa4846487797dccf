"""A line of a JSONL data file nested past Python's recursion limit (``[[[...``, a hostile or damaged file) ended
``rnnkit train classify --data x.jsonl`` in json's RecursionError traceback: ``strictjson.loads`` raises it as
bad JSON, so every reader that names a bad line names this one too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit import strictjson
from rnnkit.cli import main


def test_loads_says_json_nested_too_deeply_as_bad_json() -> None:
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        strictjson.loads("[" * 100_000)
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        strictjson.loads(b'{"a": ' * 100_000)


def test_a_jsonl_line_nested_too_deeply_is_named_by_its_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "x.jsonl"
    data.write_text('{"text": "a good film", "label": "pos"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert (f"{data}:2: malformed row: not JSON (nested too deeply (more levels of [ and {{ than json reads): "
            "column 1)") in err  # at its first column, not past the 100,000 brackets
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()
