"""``rnnkit caption DIR photos/`` (a folder of one's own photos) said 'photos: is a directory; expected a PNG or JPEG
file' and no more. It now gives the patterns of the images in it, each ending as spelled there (``*.JPG``, ``*.png``;
not ``captions.tsv``, which ``photos/*`` would give and which is refused as no image), as ``rnnkit transcribe`` does
for a folder of recordings; the patterns, typed, caption every image of the folder."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import load_image
from rnnkit.errors import UserError


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as err:
        load_image(path, 4)
    return str(err.value)


def test_a_folder_is_refused_with_the_patterns_of_its_images(tmp_path: Path) -> None:
    photos = tmp_path / "내 사진"
    photos.mkdir()
    Image.new("RGB", (4, 4), "red").save(photos / "a.png")
    Image.new("RGB", (4, 4), "blue").save(photos / "b.JPG", "JPEG")
    (photos / "captions.tsv").write_text("a.png\ta red square\n", encoding="utf-8")
    said = _refusal(photos)
    assert said == (f"{photos}: is a directory; expected a PNG or JPEG file (give the images in it, e.g. "
                    f"{photos}/*.JPG {photos}/*.png)")
    patterns = [piece.strip() for piece in said.split("e.g. ", 1)[1][:-1].split(f"{photos}/") if piece]
    found = sorted(Path(f).name for pattern in patterns for f in glob.glob(str(photos / pattern)))
    assert found == ["a.png", "b.JPG"]


def test_a_folder_without_images_gets_one_pattern(tmp_path: Path) -> None:
    assert _refusal(tmp_path).endswith(f"(give the images in it, e.g. {tmp_path}/*.jpg)")


def test_a_missing_image_is_still_no_such_image(tmp_path: Path) -> None:
    assert _refusal(tmp_path / "a.png") == f"{tmp_path / 'a.png'}: no such image"
