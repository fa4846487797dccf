"""``rnnkit train classify --resume OUT --batch-size N`` (or ``--accumulate M``) other than the run's own went on
without a word, though the resumed run's updates are then made of other batches and it is no longer the run an
unbroken one would be. It now goes on with one warning naming the run's own value (as Hugging Face's Trainer
warns of another batch size at a resume; Keras and Lightning take it silently): resuming on a smaller machine with
half the batch and ``--accumulate 2`` stays possible. charlm's ``--batch-size`` (its streams) is still refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.train.options import _warn_other_batches

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A classifier trained one step with --batch-size 8."""
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(40)]
    (tmp_path / "t.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--out", str(out), "--steps", "1",
                 "--batch-size", "8", *FLAGS]) == 0
    return out


def test_another_batch_size_is_warned_of_naming_the_runs_own(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(run), "--steps", "2", "--batch-size", "4", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert ("rnnkit: warning: resumed with --batch-size 4 (the run had --batch-size 8): from here its updates are "
            "made of other batches than the unbroken run's, so it goes on as another run (resume with --batch-size 8 "
            "to go on as the same one)") in err, err
    assert err.count("rnnkit: warning:") == 1


def test_python_gets_it_as_a_warning_of_accumulate_too(run: Path) -> None:
    said = r"^resumed with accumulate=2 \(the run had accumulate=1\):.*resume with accumulate=1"
    with pytest.warns(RnnkitWarning, match=said):
        rnnkit.fit("classify", out=run, resume=True, steps=2, accumulate=2, progress=False, verbose=False)


def test_the_runs_own_values_say_nothing(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(run), "--steps", "2", "--batch-size", "8", "--no-progress"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_other_processes_making_the_same_updates_say_nothing() -> None:
    """A run of 2 processes resumed by 1 with --accumulate 2 makes the same updates (the Trainer checks it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 8, "accumulate": 2}, 2)
    with pytest.warns(RnnkitWarning, match=r"resumed with --accumulate 2 \(the run had --accumulate 1\)"):
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 8, "accumulate": 2}, 1)
