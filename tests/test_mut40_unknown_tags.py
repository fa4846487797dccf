"""Mutation round 40: the tagger's refusal of a tag outside the training data's (fixr) shows ten of a larger set."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_large_tag_set_is_shown_by_its_first_ten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, new = tmp_path / "t.conll", tmp_path / "new.conll"
    tags = [f"T{n:02d}" for n in range(12)]
    train.write_text("".join(f"w{n}\t{tag}\n" for n, tag in enumerate(tags)) + "\n", encoding="utf-8")
    new.write_text("w0\tT00\nw1\tODD\n\n", encoding="utf-8")
    assert main(["train", "tag", "--data", str(train), "--val-data", str(new), "--out", str(tmp_path / "run"),
                 "--steps", "1", "--hidden", "4", "--no-progress", "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert f"is not one of the tags of the training data {train}: {', '.join(tags[:10])}; a model learns" in err
