"""A flag given no value (``--data --steps 3``: the value forgotten) is refused in one line that names the flag
and says what its value is, exit 2."""
from __future__ import annotations

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize(("line", "said"), [
    (["train", "classify", "--data", "--steps", "3"],
     "argument --data: expected one argument, DATA: training file (CSV, TSV, JSONL or fastText .txt) or 'polarity'"),
    (["train", "classify", "--data"], "argument --data: expected one argument, DATA: training file"),
    (["train", "tag", "--data", "--steps", "3"], "argument --data: expected one argument, DATA: training file (CoNLL"),
    (["train", "classify", "--out", "--steps", "3"], "argument --out: expected one argument, OUT: output directory"),
    (["train", "classify", "--config", "--steps", "3"],
     "argument --config: expected one argument, FILE.toml: read settings from a TOML file"),
    (["train", "charlm", "--data", "--steps", "3"],
     "argument --data: expected one argument, DATA: 'shakespeare', 'korean' or the path of a UTF-8 text file"),
    (["train", "classify", "--cell"], "argument --cell: expected one argument, {rnn_tanh,"),
])
def test_a_flag_without_its_value_says_what_the_value_is(line: list[str], said: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(line)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit train {line[1]}: error: {said}")
    assert err.endswith(f"; `rnnkit train {line[1]} -h` for help\n")
    assert err.count("\n") == 1
