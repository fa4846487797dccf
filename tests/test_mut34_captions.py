"""Mutation round 34 on caption data: only a name ending '#NUMBER' is a Flickr8k token name, a CSV line's sides are
stripped as a tab's are, and the shared-images warning names the first validation image that is a training one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.captions import CaptionedImage, read_captions
from rnnkit.errors import UserError
from rnnkit.tasks._caption_data import warn_shared_images
from tests.test_walk38_flickr_token import _folder


@pytest.mark.parametrize("name", ["a.jpg#", "a.jpg#x", "a.jpg#0x"])
def test_a_name_not_ending_in_hash_and_a_number_is_no_token_name(name: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, [f"{name}\tnot a.jpg"])
    with pytest.raises(UserError, match=rf"captions.tsv:1: no such image '{name}'"):
        read_captions(folder)


def test_a_csv_lines_image_and_caption_are_stripped(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["image,caption", " a.jpg , A red one . "])
    assert [(item.image.name, item.captions) for item in read_captions(folder)] == [("a.jpg", ("A red one .",))]


def test_the_first_shared_validation_image_is_named(tmp_path: Path) -> None:
    train = [CaptionedImage(tmp_path / name, ("x",)) for name in ("a.png", "b.png", "c.png")]
    val = [CaptionedImage(tmp_path / name, ("x",)) for name in ("d.png", "b.png", "c.png")]
    with pytest.warns(UserWarning, match=r"2 of 3 validation images are training images too \(first .*b\.png\)"):
        warn_shared_images(train, val)
