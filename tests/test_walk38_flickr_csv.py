"""Flickr8k's ``captions.txt`` (a header ``image,caption``, then comma-separated lines), copied as ``captions.tsv``,
is read as CSV: each caption with its own image, commas in a caption kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def _folder(tmp_path: Path, text: str) -> Path:
    for name, colour in (("a b.jpg", "red"), ("c.jpg", "blue")):
        Image.new("RGB", (8, 8), colour).save(tmp_path / name)
    (tmp_path / "captions.tsv").write_bytes(text.encode("utf-8"))
    return tmp_path


def test_a_flickr_captions_txt_reads_as_csv(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 'image,caption\r\na b.jpg,A dog runs .\r\nc.jpg,"A cat, asleep ."\r\n'
                               "a b.jpg,A dog , a ball , grass .\r\n")
    got = {item.image.name: item.captions for item in read_captions(folder)}
    assert got == {"a b.jpg": ("A dog runs .", "A dog , a ball , grass ."), "c.jpg": ("A cat, asleep .",)}


def test_a_csv_line_without_a_comma_is_refused_by_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "image,caption\nc.jpg,a cat\nc.jpg\n")
    with pytest.raises(UserError, match=r"captions.tsv:3: expected 'image,caption' \(a comma\)"):
        read_captions(folder)


def test_tab_separated_lines_are_split_at_the_tab_alone(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "image\tcaption\nc.jpg\ta cat, asleep\n")
    assert read_captions(folder)[0].captions == ("a cat, asleep",)
