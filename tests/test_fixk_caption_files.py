"""fixk: a captioning folder holding Flickr8k's ``captions.txt`` (Kaggle's layout: ``captions.txt`` beside ``Images/``)
or COCO's annotations JSON, but no ``captions.tsv``, was refused with 'expected FOLDER/captions.tsv' alone. The
refusal now names the file found and what to do: copy captions.txt as captions.tsv beside its images, or run the
one line of Python it gives, which writes captions.tsv from COCO's ``images`` and ``annotations``."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.cli import main
from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def _images(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, colour in (("a.jpg", "red"), ("b.jpg", "blue")):
        Image.new("RGB", (8, 8), colour).save(folder / name)
    return folder


def _refusal(given: Path) -> str:
    with pytest.raises(UserError) as refused:
        read_captions(given)
    return str(refused.value)


def test_a_flickr_captions_txt_is_named_with_where_to_copy_it(tmp_path: Path) -> None:
    images = _images(tmp_path / "Images")
    (tmp_path / "captions.txt").write_text('image,caption\na.jpg,A dog runs .\nb.jpg,"A cat, asleep ."\n')
    said = _refusal(tmp_path)
    assert said.startswith(f"{tmp_path}: not a captioned-image folder (expected {tmp_path / 'captions.tsv'}")
    assert f"; it holds captions.txt: copy it as {images / 'captions.tsv'}, beside its images" in said
    assert f"; captions.txt: copy it as {images / 'captions.tsv'}" in _refusal(tmp_path / "captions.txt")
    (images / "captions.tsv").write_bytes((tmp_path / "captions.txt").read_bytes())  # as it says
    assert [item.captions for item in read_captions(images)] == [("A dog runs .",), ("A cat, asleep .",)]


def test_coco_annotations_get_a_line_of_python_that_writes_captions_tsv(tmp_path: Path) -> None:
    images = _images(tmp_path / "train2014")
    coco = {"info": {}, "images": [{"id": 7, "file_name": "b.jpg"}, {"id": 3, "file_name": "a.jpg"}],
            "annotations": [{"image_id": 3, "id": 1, "caption": "A dog\nruns ."},
                            {"image_id": 7, "id": 2, "caption": "A cat's nap"},
                            {"image_id": 3, "id": 4, "caption": "a red square"}]}
    (tmp_path / "captions_train2014.json").write_text(json.dumps(coco), encoding="utf-8")
    said = _refusal(tmp_path)
    assert "; it holds captions_train2014.json, COCO's annotations" in said
    assert f"write {images / 'captions.tsv'}, beside its images" in said
    command = shlex.split(said.split("from them with ", 1)[1])
    assert command[:2] == ["python3", "-c"]
    subprocess.run([sys.executable, "-c", command[2]], check=True, timeout=60)
    got = {item.image.name: item.captions for item in read_captions(images)}
    assert got == {"a.jpg": ("A dog runs .", "a red square"), "b.jpg": ("A cat's nap",)}


def test_a_folder_of_neither_is_refused_as_before(tmp_path: Path) -> None:
    _images(tmp_path / "pics")
    (tmp_path / "notes.json").write_text('{"a": 1}')
    assert _refusal(tmp_path) == (f"{tmp_path}: not a captioned-image folder (expected {tmp_path / 'captions.tsv'} "
                                  "with 'image<TAB>caption' lines)")


def test_train_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _images(tmp_path / "data")
    (tmp_path / "data" / "captions.txt").write_text("image,caption\na.jpg,A dog .\n")
    assert main(["train", "caption", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"it holds captions.txt: copy it as {tmp_path / 'data' / 'captions.tsv'}" in err
    assert not (tmp_path / "run").exists()
