"""A ``captions.tsv`` that lists one image by its relative and its absolute path (as a user's own list, put together
from two scripts, does) read it as two images: ``evaluate`` counted it twice, and the validation split could take
one name while training kept the other ("1 of 7 validation images are training images too"). It is one image now,
with every caption of both lines, under the path it was first listed by."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from rnnkit.data.captions import read_captions


def test_an_image_listed_by_its_absolute_path_too_is_one_image(tmp_path: Path) -> None:
    for name, colour in (("a.png", "red"), ("b.png", "blue")):
        Image.new("RGB", (4, 4), colour).save(tmp_path / name)
    (tmp_path / "captions.tsv").write_text(
        f"image\tcaption\na.png\ta red square\nb.png\ta blue square\n{tmp_path / 'a.png'}\t빨간 네모\n"
        f"{tmp_path}/../{tmp_path.name}/a.png\tred\n", encoding="utf-8")
    items = read_captions(tmp_path)
    assert [(item.image, item.captions) for item in items] == [
        (tmp_path / "a.png", ("a red square", "빨간 네모", "red")), (tmp_path / "b.png", ("a blue square",))]


def test_a_link_to_an_image_is_that_image(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4), "red").save(tmp_path / "a.png")
    (tmp_path / "same.png").symlink_to(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("a.png\ta red square\nsame.png\tred\n", encoding="utf-8")
    [item] = read_captions(tmp_path)
    assert item.image == tmp_path / "a.png" and item.captions == ("a red square", "red")
