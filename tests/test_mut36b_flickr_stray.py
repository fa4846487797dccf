"""Gaps a mutation audit of Flickr8k's stray-number names (fixm, round 36b) found: only a name with an extension
before its stray number is one ('c.1#0' is still refused as no such image), any number is stray ('.2' too, not only
Flickr8k's '.1'), and an image that is there under the listed name itself ('a.jpg.1') is that image, not 'a.jpg'."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import RnnkitWarning, UserError


def _folder(tmp_path: Path, lines: list[str]) -> Path:
    Image.new("RGB", (8, 8), "red").save(tmp_path / "a.jpg")
    (tmp_path / "captions.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return tmp_path


def test_a_number_after_a_name_without_an_extension_is_no_stray(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg#0\tA red one .", "c.1#0\tgone"])
    with pytest.raises(UserError, match=r"captions.tsv:2: no such image 'c.1#0'"):
        read_captions(folder)


def test_any_stray_number_is_left_out(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg#0\tA red one .", "c.jpg.2#0\tgone"])
    with pytest.warns(RnnkitWarning, match=r"captions.tsv:2: no such image 'c.jpg.2' \(nor 'c.jpg'\)"):
        assert [item.image.name for item in read_captions(folder)] == ["a.jpg"]


def test_the_listed_name_is_read_before_its_plain_name(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg.1#0\tBlue .", "a.jpg#0\tA red one ."])
    Image.new("RGB", (8, 8), "blue").save(folder / "a.jpg.1", format="JPEG")
    assert sorted((item.image.name, item.captions) for item in read_captions(folder)) == [
        ("a.jpg", ("A red one .",)), ("a.jpg.1", ("Blue .",))]
