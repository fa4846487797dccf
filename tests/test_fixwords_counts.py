"""A count of 1 in the singular where classify and translate open a run: classify said "2 training and 1 validation
texts", and of a multi-label file of one text "(2 labels on 1 texts), 1 training and 2 validation texts"; translate
"1 training and 1 validation pairs". They say "2 training texts and 1 validation text", "1 text", "1 training pair and
1 validation pair" (through rnnkit.wording.sides, as speech says its utterances), and counts above 1 as before."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.cli import main
from rnnkit.wording import sides

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--embedding", "4", "--no-progress", "--save-minutes", "0"]


def _said(err: str, task: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith(f"{task}: ")]
    assert lines, err
    return lines[0]


def test_sides_counts_each_side_apart_where_one_is_1() -> None:
    assert sides(1, 1, "text") == "1 training text and 1 validation text"
    assert sides(3, 1, "pair") == "3 training pairs and 1 validation pair"
    assert sides(1, 0, "pair") == "1 training pair and 0 validation pairs"
    assert sides(4, 2, "text") == "4 training and 2 validation texts"
    assert sides(8, 0, "pair") == "8 training and 0 validation pairs"


@pytest.mark.parametrize(("train", "val", "said"), [
    (2, 1, "classify: 2 training texts and 1 validation text, "),
    (2, 2, "classify: 2 training and 2 validation texts, "),
])
def test_classify_counts_each_side(tmp_path: Path, capsys: pytest.CaptureFixture[str], train: int, val: int,
                                   said: str) -> None:
    rows = ["good film,pos", "bad film,neg"]  # one training text is refused: one label, where two are needed
    (tmp_path / "t.csv").write_text("text,label\n" + "\n".join(rows[:train]) + "\n", encoding="utf-8")
    (tmp_path / "v.csv").write_text("text,label\n" + "\n".join(rows[:val]) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--val-data", str(tmp_path / "v.csv"),
                 "--out", str(tmp_path / "run"), "--layers", "0", "--pooling", "mean", *TINY]) == 0
    assert _said(capsys.readouterr().err, "classify").startswith(said)


def test_a_multi_label_file_of_one_text_says_one_text(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.txt").write_text("__label__sauce __label__bread gravy loaf\n", encoding="utf-8")
    (tmp_path / "v.txt").write_text("__label__sauce roux\n__label__bread __label__sauce loaf gravy\n",
                                    encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp_path / "t.txt"), "--val-data", str(tmp_path / "v.txt"),
                 "--multi-label", "--tokenizer", "word", "--out", str(tmp_path / "run"), "--layers", "0",
                 "--pooling", "mean", *TINY]) == 0
    assert _said(capsys.readouterr().err, "classify").startswith(
        "classify: multi-label (2 labels on 1 text), 1 training text and 2 validation texts, ")


@pytest.mark.parametrize(("train", "val", "said"), [
    (1, 1, "seq2seq: 1 training pair and 1 validation pair, "),
    (3, 2, "seq2seq: 3 training and 2 validation pairs, "),
])
def test_translate_counts_each_side(tmp_path: Path, capsys: pytest.CaptureFixture[str], train: int, val: int,
                                    said: str) -> None:
    pairs = ["abc\txyz", "bca\tyzx", "cab\tzxy"]
    (tmp_path / "t.tsv").write_text("\n".join(pairs[:train]) + "\n", encoding="utf-8")
    (tmp_path / "v.tsv").write_text("\n".join(pairs[:val]) + "\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(tmp_path / "t.tsv"), "--val-data", str(tmp_path / "v.tsv"),
                 "--out", str(tmp_path / "run"), "--hidden", "4", *TINY]) == 0
    assert _said(capsys.readouterr().err, "seq2seq").startswith(said)


def test_one_pair_cut_by_max_len_is_said_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It warned '1 of 1 validation pairs have a side longer than 3 tokens and were cut to it'."""
    (tmp_path / "t.tsv").write_text("ab\txy\nba\tyx\n", encoding="utf-8")
    (tmp_path / "v.tsv").write_text("abcab\txy\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(tmp_path / "t.tsv"), "--val-data", str(tmp_path / "v.tsv"),
                 "--out", str(tmp_path / "run"), "--hidden", "4", "--max-len", "3", *TINY]) == 0
    err = capsys.readouterr().err
    assert ("--max-len 3: the one validation pair has a side longer than 3 tokens and was cut to it; a cut target "
            "ends there") in err, err


def test_one_validation_image_that_is_a_training_image_is_said_in_the_singular(tmp_path: Path) -> None:
    """It warned '1 of 1 validation images are training images too (first b.png)'."""
    from rnnkit.tasks._caption_data import warn_shared_images

    a, b = SimpleNamespace(image=tmp_path / "a.png"), SimpleNamespace(image=tmp_path / "b.png")
    with pytest.warns(UserWarning, match=r"^the one validation image is a training image too \(/\S*b\.png\): the "):
        warn_shared_images([a, b], [b])
    with pytest.warns(UserWarning, match=r"^1 of 2 validation images are training images too \(first /\S*b\.png\)"):
        warn_shared_images([a, b], [b, SimpleNamespace(image=tmp_path / "c.png")])
