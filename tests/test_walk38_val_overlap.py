"""``rnnkit train caption --val-data`` whose images are training images too is warned of, naming the first."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from PIL import Image

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = {"steps": 1, "image_size": 8, "channels": "4", "hidden": 8, "embedding": 4, "eval_images": 0,
        "verbose": False, "progress": False}


def _folder(folder: Path, names: list[str], where: str = "") -> Path:
    folder.mkdir()
    for i, name in enumerate(names):
        Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(folder / name)
    lines = "".join(f"{where}{name}\ta shade {name[0]}\n" for name in names)
    (folder / "captions.tsv").write_text(lines, encoding="utf-8")
    return folder


def test_validation_images_from_the_training_folder_are_warned_of(tmp_path: Path) -> None:
    train = _folder(tmp_path / "train", ["a.png", "b.png", "c.png"])
    val = tmp_path / "val"
    val.mkdir()
    (val / "captions.tsv").write_text("../train/b.png\ta shade b\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"the one validation image is a training image too \(.*b\.png\)"):
        rnnkit.fit("caption", str(train), tmp_path / "run", val_data=str(val), **TINY)


def test_other_validation_images_are_not(tmp_path: Path) -> None:
    train = _folder(tmp_path / "train", ["a.png", "b.png"])
    val = _folder(tmp_path / "val", ["a.png"])  # a file of the same name elsewhere is another image
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*training images too")
        rnnkit.fit("caption", str(train), tmp_path / "run", val_data=str(val), **TINY)
