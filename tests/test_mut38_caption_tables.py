"""Mutation round 38 on walk46's ImageFolder metadata refusal: ImageFolder reads ``file_name`` and any other
column, so a ``metadata.jsonl`` whose caption column has a name of its own (``sentence``) still gets the line of
Python, from that column; an ``image`` table with no caption column of a known name gets none."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_walk46_caption_tables import _photos, _refusal


def _metadata(folder: Path, row: dict) -> Path:
    (folder / "metadata.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return folder


def test_imagefolder_s_own_caption_column_is_the_one_written(tmp_path: Path) -> None:
    photos = _metadata(_photos(tmp_path / "photos"), {"file_name": "a.png", "sentence": "a red square"})
    assert "a table of captions (file_name, sentence): write" in _refusal(photos)


def test_an_image_table_without_a_caption_column_gets_no_line(tmp_path: Path) -> None:
    photos = _metadata(_photos(tmp_path / "photos"), {"image": "a.png", "sentence": "a red square"})
    assert "a table of captions" not in _refusal(photos)
