"""Captioned images as users collect them: an image named in one Unicode spelling (NFD, as macOS names files and
keeps them in its zip archives) is found from a captions.tsv that lists it in the other (NFC, as typed)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PIL import Image, features

from rnnkit.data.captions import load_image, read_captions
from rnnkit.errors import UserError


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_an_image_named_in_nfd_is_found_from_its_nfc_name(tmp_path: Path) -> None:
    image = tmp_path / nfd("사진 café.png")
    Image.new("RGB", (4, 4), (255, 0, 0)).save(image)
    (tmp_path / "captions.tsv").write_text("image\tcaption\n사진 café.png\ta red square\n./사진 café.png\tred\n",
                                           encoding="utf-8")
    [item] = read_captions(tmp_path)
    assert item.image == image and item.captions == ("a red square", "red")
    assert load_image(item.image, 2)[:, 0, 0].tolist() == [1.0, 0.0, 0.0]


def test_an_image_in_neither_spelling_is_still_no_such_image(tmp_path: Path) -> None:
    (tmp_path / "captions.tsv").write_text("사진.png\ta caption\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"captions\.tsv:1: no such image '사진\.png'"):
        read_captions(tmp_path)


@pytest.mark.skipif(not features.check("webp"), reason="Pillow without WebP")
def test_a_webp_with_transparency_is_laid_on_white(tmp_path: Path) -> None:
    path = tmp_path / "a.webp"
    picture = Image.new("RGBA", (8, 8), (255, 0, 0, 255))
    picture.paste((0, 0, 255, 0), (0, 0, 4, 8))  # the left half transparent
    picture.save(path, lossless=True)
    pixels = load_image(path, 8)
    assert pixels[:, 4, 1].tolist() == [1.0, 1.0, 1.0] and pixels[:, 4, 6].tolist() == [1.0, 0.0, 0.0]


def test_a_one_bit_image_reads_black_and_white(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    picture = Image.new("1", (8, 8), 1)
    picture.paste(0, (0, 0, 4, 8))
    picture.save(path)
    assert load_image(path, 8, channels=1)[0, 4, [1, 6]].tolist() == [0.0, 1.0]
