"""walk52: a classifier's training texts longer than ``--max-len`` are cut to it, and the run says so (a
20,000-character call transcript was cut to its first 400 characters without a word)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import RnnkitWarning


def write_calls(path: Path, long_chars: int) -> str:
    """A tiny CSV of Korean calls, Excel's way (BOM, CRLF, a Korean header), one of ``long_chars`` characters."""
    rows = ["내용,라벨"] + [f"엄마 나 늦어 {i},정상" for i in range(6)]
    rows += [f"금융감독원입니다 {i},사기" for i in range(6)]
    rows.insert(3, "여보세요 " * (long_chars // 5) + ",사기")
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    return str(path)


def fit(tmp_path: Path, data: str) -> None:
    rnnkit.fit("classify", data=data, val_data=data, out=tmp_path / "run", steps=1, hidden=4, embedding=4,
               max_len=40, text_column="내용", label_column="라벨", autotune=False, progress=False, verbose=False)


def test_a_text_longer_than_max_len_is_named_with_its_line_and_length(tmp_path: Path) -> None:
    data = write_calls(tmp_path / "calls.csv", 2000)
    with pytest.warns(RnnkitWarning, match=r"max_len=40: 1 of 13 training texts \(on line 4\) is "
                                           r"longer than 40 tokens; only its first 40 are read.*the longest is "
                                           r"1,999 tokens"):
        fit(tmp_path, data)


def test_texts_within_max_len_bring_no_warning(tmp_path: Path) -> None:
    data = write_calls(tmp_path / "calls.csv", 30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(tmp_path, data)
    assert not [w for w in caught if "--max-len" in str(w.message)]


def test_predict_and_evaluate_say_a_text_longer_than_the_models_max_len_is_cut(tmp_path: Path) -> None:
    """A model trained on short calls read a 30-minute call's transcript's first --max-len tokens without a word."""
    data = write_calls(tmp_path / "calls.csv", 30)
    fit(tmp_path, data)
    model = rnnkit.load(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a short text: no warning
        model.predict(["엄마 나 늦어"])
    with pytest.warns(RnnkitWarning, match=r"^1 of 2 texts \(text 2\) is longer than the model's "
                                           r"max_len of 40 tokens, and only its first 40 are read \(the "
                                           r"longest is 500 tokens"):
        model.predict(["엄마 나 늦어", "여보세요" * 125])
    long = write_calls(tmp_path / "long.csv", 500)
    with pytest.warns(RnnkitWarning, match=r"^1 of 13 texts \(text 3\) is longer"):
        model.evaluate(long)
