"""A label (a tag) outside the ones a run learns was refused as 'is not in the training data (training labels: ...)'.
Resuming a run on a file with a new label said so of the very file given as the training data, and a validation
file's label named no training file. Each refusal now says whose labels they are (the training file's, the resumed
run's, the model's) and how to go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--hidden", "4", "--no-progress", "--threads", "1", "--save-minutes", "0"]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err.strip()


def test_classify_names_whose_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, new = tmp_path / "t.csv", tmp_path / "new.csv"
    train.write_text("text,label\ngood,pos\nbad,neg\nfine,pos\nawful,neg\n", encoding="utf-8")
    new.write_text("text,label\ngood,pos\nmeh,neutral\n", encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", "classify", "--data", str(train), "--val-data", str(new), "--out", str(run), *TINY]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"new.csv:3: column 'label': label 'neutral' is not one of the labels of the training data {train}: 'neg', "
        f"'pos'; a model learns only the labels of its training data: relabel the row, or add rows of that label to "
        f"{train}")
    assert main(["train", "classify", "--data", str(train), "--val-data", str(train), "--out", str(run), *TINY]) == 0
    assert _refused(["train", "classify", "--resume", str(run), "--data", str(new), "--steps", "2", "--no-progress"],
                    capsys).endswith(
        "new.csv:3: column 'label': label 'neutral' is not one of the resumed run's labels: 'neg', 'pos'; a resumed "
        "run keeps its labels: train a new run with another --out to learn it")


def test_tag_names_whose_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, new = tmp_path / "t.conll", tmp_path / "new.conll"
    train.write_text("the\tDET\ncat\tNOUN\nsat\tVERB\n\na\tDET\ndog\tNOUN\nran\tVERB\n\n", encoding="utf-8")
    new.write_text("the\tDET\ncat\tNOUN\n\nvery\tADV\nbig\tADJ\n\n", encoding="utf-8")
    run = tmp_path / "run"
    assert _refused(["train", "tag", "--data", str(train), "--val-data", str(new), "--out", str(run), *TINY],
                    capsys).endswith(
        f"new.conll:4: column 2 (tag): tag 'ADV' is not one of the tags of the training data {train}: DET, NOUN, "
        f"VERB; a model learns only the tags of its training data: retag the token, or add sentences with that tag "
        f"to {train}")
    assert main(["train", "tag", "--data", str(train), "--val-data", str(train), "--out", str(run), *TINY]) == 0
    assert _refused(["train", "tag", "--resume", str(run), "--data", str(new), "--steps", "2", "--no-progress"],
                    capsys).endswith(
        "new.conll:4: column 2 (tag): tag 'ADV' is not one of the resumed run's tags: DET, NOUN, VERB; a resumed run "
        "keeps its tags: train a new run with another --out to learn it")
