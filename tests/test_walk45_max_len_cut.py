"""``rnnkit train seq2seq`` says when ``--max-len`` cuts pairs. Each side was cut to ``--max-len`` tokens without a
word, and a cut target still gets its end token, so the model learns to stop a translation there: with the default
100 character tokens, every sentence of a user's parallel text longer than 100 characters. A warning now counts the
pairs cut, of training and of validation, and names the longest side (the ``--max-len`` that keeps them whole)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PAIRS = ["one two\tzwei eins", "three\tdrei", "four five six\tsechs fünf vier", "seven\tsieben"]
VAL = ["eight nine ten eleven\tacht", "two\tzwei"]


def _train(tmp_path: Path, max_len: int) -> int:
    data, val = tmp_path / "pairs.tsv", tmp_path / "val.tsv"
    data.write_text("".join(f"{p}\n" for p in PAIRS), encoding="utf-8")
    val.write_text("".join(f"{p}\n" for p in VAL), encoding="utf-8")
    return main(["train", "seq2seq", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 "--hidden", "4", "--embedding", "4", "--steps", "1", "--max-len", str(max_len),
                 "--eval-sentences", "0", "--no-progress", "--threads", "1", "--save-minutes", "0"])


def test_pairs_cut_by_max_len_are_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _train(tmp_path, 10) == 0
    err = capsys.readouterr().err
    # 'four five six' (13 characters) and 'sechs fünf vier' (15): one training pair; one validation source of 21
    assert ("--max-len 10: 1 of 4 training pairs have a side longer than 10 tokens and were cut to it; a cut target "
            "ends there, so the model learns to stop early (the longest side is 15 tokens") in err, err
    assert "--max-len 10: 1 of 2 validation pairs have a side longer" in err and "longest side is 21 tokens" in err


def test_a_max_len_that_holds_every_pair_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _train(tmp_path, 21) == 0
    assert "--max-len" not in capsys.readouterr().err
