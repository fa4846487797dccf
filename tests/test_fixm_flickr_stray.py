"""Flickr8k's ``Flickr8k.token.txt`` lists ``2258277193_586949ec62.jpg.1#0`` to ``#4``: a stray ``.1`` after the
name of an image the data set does not hold. ``rnnkit train caption`` on that file copied as ``captions.tsv`` was
refused at the first of those lines ("no such image"), so the real file could not be trained on as it is. Those
lines are now left out with one warning naming the first (Keras's captioning tutorial skips them: it reads only
names ending ``jpg``), and a ``.1`` name whose image is there under its plain name is read as that image; any other
missing image is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import rnnkit
from rnnkit.data.captions import read_captions
from rnnkit.errors import RnnkitWarning, UserError

STRAY = "2258277193_586949ec62.jpg.1"


def _folder(tmp_path: Path, lines: list[str]) -> Path:
    for name, colour in (("a.jpg", "red"), ("b.jpg", "blue")):
        Image.new("RGB", (8, 8), colour).save(tmp_path / name)
    (tmp_path / "captions.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return tmp_path


def _token_lines() -> list[str]:
    return ["a.jpg#0\tA red one .", *(f"{STRAY}#{i}\tA dog runs ." for i in range(5)), "b.jpg#0\tA blue one ."]


def test_the_stray_lines_are_left_out_naming_the_first(tmp_path: Path) -> None:
    folder = _folder(tmp_path, _token_lines())
    with pytest.warns(RnnkitWarning) as caught:
        items = read_captions(folder)
    assert [(item.image.name, item.captions) for item in items] == [("a.jpg", ("A red one .",)),
                                                                    ("b.jpg", ("A blue one .",))]
    (said,) = [str(w.message) for w in caught]
    assert said.startswith(f"{folder / 'captions.tsv'}:2: no such image '{STRAY}' (nor '2258277193_586949ec62.jpg')")
    assert "(5 of 7 captions)" in said


def test_a_stray_name_whose_image_is_there_is_that_image(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg.1#0\tRed again .", "a.jpg#0\tA red one ."])
    assert [(item.image.name, item.captions) for item in read_captions(folder)] == [
        ("a.jpg", ("Red again .", "A red one ."))]


@pytest.mark.parametrize("name", ["c.jpg#0", "c.jpg", "c.jpg.1", "a.jpg.x#0"])
def test_any_other_missing_image_is_still_refused(tmp_path: Path, name: str) -> None:
    folder = _folder(tmp_path, ["a.jpg#0\tA red one .", f"{name}\tgone"])
    with pytest.raises(UserError, match=rf"captions.tsv:2: no such image '{name}'"):
        read_captions(folder)


@pytest.mark.usefixtures("one_torch_thread")
def test_train_caption_says_it_as_a_warning_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    (tmp_path / "flickr").mkdir()
    folder = _folder(tmp_path / "flickr", _token_lines())
    assert main(["train", "caption", "--data", str(folder), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--image-size", "8", "--channels", "4", "--hidden", "8", "--embedding", "4", "--eval-images", "0",
                 "--val-fraction", "0.5", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.count(f"rnnkit: warning: {folder / 'captions.tsv'}:2: no such image '{STRAY}'") == 1
    assert rnnkit.load(tmp_path / "run") is not None
