"""``rnnkit train charlm --resume OUT`` of a run that had already reached its ``--steps`` exited 2 with a refusal of
its own ("the run already reached its end"), where every other task takes no step, says ``the resumed run took no
step`` and which budget to raise, and exits 0 (the Trainer's one line). charlm now goes the same way: the run is
left as it was, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-memory", "--no-counts",
         "--no-progress", "--threads", "1"]


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
            and p.name != ".lock"}


def test_a_finished_charlm_run_resumed_says_it_took_no_step(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "text.txt"
    text.write_text("abcdefgh " * 60, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "2", *FLAGS]) == 0
    before = _files(out)
    capsys.readouterr()
    assert main(["train", "charlm", "--resume", str(out), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert ("the resumed run took no step: it had already reached --steps 2; give a larger --steps to train on"
            in captured.err), captured.err
    assert "already reached its end" not in captured.err
    assert "at step 2" in captured.out  # the run's closing line, as the other tasks print it
    assert _files(out) == before
