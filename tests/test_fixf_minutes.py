"""Every ``--minutes`` flag (``train``, ``demo``, ``experiment``, classify's ``--pretrain-minutes``) is checked by
one checker, ``rnnkit.train.options.positive_float``: ``expected a finite number > 0, got TEXT``. ``experiment
--minutes abc`` said argparse's "invalid float value: 'abc'", and nan or inf "expected a number";
``--pretrain-minutes abc`` the same, and -1 "expected a positive number"."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

COMMANDS = {
    "experiment": ["experiment", "adding", "--steps", "1", "--minutes"],
    "train": ["train", "classify", "--data", "x.tsv", "--minutes"],
    "demo": ["demo", "--minutes"],
    "pretrain": ["train", "classify", "--data", "x.tsv", "--pretrain-data", "t.txt", "--pretrain-minutes"],
}


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "0"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_minutes_flag_says_the_same(command: str, value: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*COMMANDS[command][:-1], f"{COMMANDS[command][-1]}={value}", "--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as stopped:  # argparse's refusal of a flag's value
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {COMMANDS[command][-1]}: expected a finite number > 0, got {value};" in err, err
    assert not (tmp_path / "out").exists()
