"""Two resume messages said the same kind of change in two shapes: ``--batch-size 4: the run was trained with
--batch-size 8; ...`` and ``resumed with --steps 795 (the run had --steps 1000): ...``; the batch warning now reads as
the budget note. And a run resumed on another count of processes with another ``--batch-size`` warned of the batches,
then was refused for the processes: the refused resume now says only why it is refused."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.train.options import _warn_other_batches

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_batch_warning_reads_as_the_budget_note() -> None:
    with pytest.warns(RnnkitWarning, match=r"^resumed with --batch-size 4 \(the run had --batch-size 8\): from here"):
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 4, "accumulate": 1}, 1)


def test_a_count_of_processes_the_trainer_refuses_warns_of_no_batches() -> None:
    """A run of 2 processes, one batch each an update, resumed by this 1 without --accumulate 2: refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 4, "accumulate": 1}, 2)
    with pytest.warns(RnnkitWarning, match="--batch-size 4"):  # the same updates' count: it goes on, warned
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 4, "accumulate": 2}, 2)


def test_the_refused_resume_says_only_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(24)]
    (tmp_path / "t.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--out", str(out), "--steps", "1",
                 "--batch-size", "8", "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "processes": 2}))  # as torchrun's 2 saved it
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "2", "--batch-size", "4",
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "a run of 2 processes, resumed with 1 process" in err and "warning" not in err, err
