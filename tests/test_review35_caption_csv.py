"""A ``captions.tsv`` under Flickr8k's CSV header ``image,caption`` with a caption longer than Python's csv module's
default field limit (128 KiB) raised ``_csv.Error: field larger than field limit`` from ``read_captions``; then it
was refused by its line, but only until the first CSV table read in the same process lifted the limit for every
reader. A caption under the CSV header is now read as long as under the tab, as rnnkit's tables read long
documents, whatever was read before."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions


@pytest.mark.parametrize("separator", [",", "\t"])
def test_a_caption_over_csvs_default_limit_is_read_under_either_header(tmp_path: Path, separator: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    before = csv.field_size_limit()
    monkeypatch.setattr(csv, "field_size_limit", csv.field_size_limit)  # restores nothing: the limit is put back below
    csv.field_size_limit(131_072)  # csv's default, as in a process that has read no table
    try:
        Image.new("RGB", (8, 8), "red").save(tmp_path / "a.jpg")
        long = "x" * 200_000
        text = f"image{separator}caption\na.jpg{separator}a dog\na.jpg{separator}{long}\n"
        (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
        (item,) = read_captions(tmp_path)
        assert item.captions == ("a dog", long)
    finally:
        csv.field_size_limit(before)
