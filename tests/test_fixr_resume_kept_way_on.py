"""``rnnkit train charlm --resume RUN --batch-size N`` (another batch size: the text's streams are cut by it) was
refused with '--batch-size 8: the resumed run used 4; a resumed run keeps its model and data', and its user was left
to guess what to do; every such refusal now says the two ways on: leave the flag out, or train a new run elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_another_batch_size_is_refused_saying_how_to_go_on(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "t.txt", tmp_path / "run"
    data.write_text("abcdefgh \n" * 60, encoding="utf-8")
    tiny = ["--hidden", "4", "--layers", "1", "--embed-dim", "4", "--seq-len", "8", "--no-progress", "--threads", "1",
            "--save-minutes", "0"]
    assert main(["train", "charlm", "--data", str(data), "--out", str(out), "--batch-size", "4", "--steps", "1",
                 *tiny]) == 0
    capsys.readouterr()
    assert main(["train", "charlm", "--resume", str(out), "--batch-size", "8", "--steps", "2", *tiny]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --batch-size 8: the resumed run used 4; a resumed run keeps "
                                       "its model and data: leave it out to resume the run as it is, or train a new "
                                       "run with another --out\n")
    assert main(["train", "charlm", "--resume", str(out), "--steps", "2", *tiny]) == 0  # the first way on
