"""Flickr8k's ``Flickr8k.token.txt`` lines, ``a.jpg#0<TAB>caption``, read as captions of ``a.jpg``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def _folder(tmp_path: Path, lines: list[str]) -> Path:
    for name, colour in (("a.jpg", "red"), ("b.jpg", "blue")):
        Image.new("RGB", (8, 8), colour).save(tmp_path / name)
    (tmp_path / "captions.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return tmp_path


def test_token_names_are_the_images_they_number(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg#0\tA red one .", "b.jpg#0\tA blue one .", "a.jpg#1\tRed again ."])
    got = {item.image.name: item.captions for item in read_captions(folder)}
    assert got == {"a.jpg": ("A red one .", "Red again ."), "b.jpg": ("A blue one .",)}


def test_a_file_named_with_the_number_is_itself(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["a.jpg#0\tthe odd file"])
    Image.new("RGB", (8, 8), "green").save(folder / "a.jpg#0", format="PNG")
    assert [item.image.name for item in read_captions(folder)] == ["a.jpg#0"]


def test_a_missing_image_is_still_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["c.jpg#0\tno such"])
    with pytest.raises(UserError, match=r"captions.tsv:1: no such image 'c.jpg#0'"):
        read_captions(folder)
