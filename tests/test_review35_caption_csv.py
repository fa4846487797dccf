"""A ``captions.tsv`` under Flickr8k's CSV header ``image,caption`` with a line too long for Python's csv module (a
field over 128 KiB: a damaged file, or one whose line ends were lost) raised ``_csv.Error: field larger than field
limit`` from ``read_captions``, no error of rnnkit's; it is now refused naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def test_a_csv_line_over_the_field_limit_is_refused_by_line(tmp_path: Path) -> None:
    Image.new("RGB", (8, 8), "red").save(tmp_path / "a.jpg")
    text = "image,caption\na.jpg,a dog\na.jpg," + "x" * 200_000 + "\n"
    (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"captions\.tsv:3: expected 'image,caption' as CSV.*field larger"):
        read_captions(tmp_path)
