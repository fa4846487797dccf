"""A ``captions.tsv`` written by a CSV writer with tabs (pandas' ``df.to_csv("captions.tsv", sep="\\t")``, Python's
``csv.writer(f, delimiter="\\t")``) wraps a caption that holds a double quote in quotes, its own quotes doubled:
``"a ""stop"" sign"``. Those quotes were kept, so the caption's words began with '"' and its quote came twice, and a
quoted image name was 'no such image'. A field so quoted now reads as such a writer's reader reads it; a caption
typed with quotes of its own (``"stop" sign``) stays as it is."""

from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image

from rnnkit.data.captions import read_captions

ROWS = [("a.png", 'a red "stop" sign'), ("내 사진.png", '"빨간" 원, 파란 배경'), ("a.png", "a plain caption")]


def test_a_csv_writers_tsv_reads_back_as_written(tmp_path: Path) -> None:
    for name in ("a.png", "내 사진.png"):
        Image.new("RGB", (4, 4), "red").save(tmp_path / name)
    with open(tmp_path / "captions.tsv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(["image", "caption"])
        writer.writerows(ROWS)
    assert '"a red ""stop"" sign"' in (tmp_path / "captions.tsv").read_text(encoding="utf-8")  # as the writer quotes it
    got = {item.image.name: item.captions for item in read_captions(tmp_path)}
    assert got == {"a.png": ('a red "stop" sign', "a plain caption"), "내 사진.png": ('"빨간" 원, 파란 배경',)}


def test_a_quoted_image_name_and_a_caption_with_quotes_of_its_own(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4), "red").save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text('"a.png"\t"stop" sign\n', encoding="utf-8")
    [item] = read_captions(tmp_path)
    assert item.image == tmp_path / "a.png" and item.captions == ('"stop" sign',)
