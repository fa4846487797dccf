"""``rnnkit train TASK --data ' '`` (a blank name, an unset shell variable padded with a space) is refused as an
empty name, as the verbs' ``--data`` is, by every task alike; it read as a file named blank: ``" : no such file"``,
the blank unquoted."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks import TASKS, discover

discover()


@pytest.mark.parametrize("task", sorted(TASKS))
def test_a_blank_data_name_is_an_empty_name(task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", task, "--data", " ", "--out", str(out), "--steps", "1"]) == 2
    assert capsys.readouterr().err == "rnnkit: error: --data ' ': an empty name; expected the data to read\n"
    assert not out.exists()


def test_a_resumed_run_refuses_a_blank_data_name(tmp_path: Path) -> None:
    """A resumed run's ``--data ' '`` is no more its own data than a fresh run's."""
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat\n" * 40)
    out = tmp_path / "run"
    rnnkit.fit("charlm", data=str(text), out=str(out), steps=1, hidden=8, batch_size=2, seq_len=8, verbose=False)
    with pytest.raises(UserError, match=r"^data ' ': an empty name; expected the data to read$"):
        rnnkit.fit("charlm", data=" ", out=str(out), resume=True, steps=2, verbose=False)


def test_an_empty_data_name_is_still_data_not_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--data ''`` wins over a --config file's data and is said as a missing --data, as before."""
    assert main(["train", "classify", "--data", "", "--out", str(tmp_path / "run")]) == 2
    assert "--data FILE is required" in capsys.readouterr().err
