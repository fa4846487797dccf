"""JSON holding an integer past Python's digit limit (4,300 digits): json.loads raises a plain ValueError there,
not the JSONDecodeError its readers caught, so a .jsonl data file, a run's metrics.jsonl and a model directory's
JSON files ended in a traceback. Every reader now sees it as bad JSON (rnnkit.strictjson.loads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit import strictjson
from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError
from rnnkit.plots import read_metrics

LONG = "9" * 5000


def test_a_long_integer_is_a_decode_error_at_its_place() -> None:
    with pytest.raises(json.JSONDecodeError, match=r"a number of more than 4,300 digits: line 2 column 7") as info:
        strictjson.loads('{"a": "12",\n "b": ' + LONG + "}")
    assert info.value.pos == 18
    assert strictjson.loads(b'{"a": -' + b"1" * 4300 + b"}")["a"] < 0  # at the limit itself: read


def test_a_jsonl_row_holding_a_long_integer_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "good", "label": "pos"}\n{"text": "bad", "label": ' + LONG + "}\n")
    with pytest.raises(UserError, match=r"rows.jsonl:2: malformed row: not JSON \(a number of more than 4,300 "
                                        r"digits: column 26\)") as info:
        read_table(path)
    assert str(path) in str(info.value)


def test_a_metrics_line_holding_a_long_integer_is_skipped(tmp_path: Path) -> None:
    """`rnnkit report`, a resumed run and loss.png read metrics.jsonl; a damaged line is skipped, as one cut short."""
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": ' + LONG + ', "loss": 1.0}\n{"step": 3, "loss": 0.5}\n')
    assert [r["step"] for r in read_metrics(path)] == [1, 3]
