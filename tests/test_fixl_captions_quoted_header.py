"""A ``captions.tsv`` saved by Excel or pandas (``df.to_csv``) begins ``"image","caption"``: its header was not
seen as one, and its first line was refused as "expected 'image<TAB>caption' (one tab), found 0 tabs", while the
same file with ``image,caption`` read as CSV. One rule now finds the header, quoted or not, either separator."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def _folder(tmp_path: Path, text: str) -> Path:
    for name, colour in (("a.jpg", "red"), ("c.jpg", "blue")):
        Image.new("RGB", (8, 8), colour).save(tmp_path / name)
    (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("header", ['"image","caption"', '"Image", "Caption"', "image,caption"])
def test_a_quoted_csv_header_reads_as_csv(tmp_path: Path, header: str) -> None:
    folder = _folder(tmp_path, f'{header}\n"a.jpg","A dog runs ."\nc.jpg,"A cat, asleep ."\n')
    got = {item.image.name: item.captions for item in read_captions(folder)}
    assert got == {"a.jpg": ("A dog runs .",), "c.jpg": ("A cat, asleep .",)}


def test_a_quoted_tab_header_is_a_header_and_its_lines_split_at_tabs(tmp_path: Path) -> None:
    folder = _folder(tmp_path, '"image"\t"caption"\na.jpg\ta dog, running\n')
    assert read_captions(folder)[0].captions == ("a dog, running",)


def test_a_first_line_of_data_is_still_data(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "a.jpg\tcaption\n")
    assert read_captions(folder)[0].captions == ("caption",)
    with pytest.raises(UserError, match=r"captions.tsv:1: expected 'image<TAB>caption' \(one tab\), found 0 tabs"):
        read_captions(_folder(tmp_path, '"a.jpg","a dog"\n'))
