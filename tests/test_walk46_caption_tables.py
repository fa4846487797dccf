"""A folder of one's own photos captioned the way Hugging Face's ImageFolder reads them, ``metadata.jsonl`` or
``metadata.csv`` (``file_name`` and a caption column), or a JSON-lines or CSV table of ``image`` and ``caption``, was
refused as 'not a captioned-image folder (expected FOLDER/captions.tsv ...)' alone. The refusal now gives the one
line of Python that writes ``captions.tsv`` from the table, as it does for COCO's annotations; what it writes reads."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError


def _refusal(data: Path) -> str:
    with pytest.raises(UserError) as err:
        read_captions(data)
    return str(err.value)


def _run_the_hint(said: str) -> None:
    command = shlex.split(said.split(", from it with ", 1)[1])
    assert command[:2] == ["python3", "-c"]
    subprocess.run([sys.executable, "-c", command[2]], check=True, timeout=60)


def _photos(folder: Path) -> Path:
    folder.mkdir()
    Image.new("RGB", (4, 4), "red").save(folder / "a.png")
    Image.new("L", (4, 4), 128).save(folder / "내 사진.png")
    return folder


def test_huggingface_metadata_jsonl_gets_a_line_of_python(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos")
    rows = [{"file_name": "a.png", "text": "A red\tsquare"},
            {"file_name": "내 사진.png", "text": ["회색 사진", "grey"]}]
    (photos / "metadata.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                           encoding="utf-8")
    said = _refusal(photos)
    assert f"; it holds metadata.jsonl, a table of captions (file_name, text): write {photos / 'captions.tsv'}" in said
    _run_the_hint(said)
    got = {item.image.name: item.captions for item in read_captions(photos)}
    assert got == {"a.png": ("A red square",), "내 사진.png": ("회색 사진", "grey")}


def test_a_csv_of_image_and_caption_given_itself_gets_it_too(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos")
    (photos / "labels.csv").write_text("\ufeffcaption,image\n\"a red, square\",a.png\n빨간 네모,a.png\n",
                                       encoding="utf-8")
    said = _refusal(photos / "labels.csv")
    assert "labels.csv, a table of captions (image, caption)" in said
    _run_the_hint(said)
    assert [item.captions for item in read_captions(photos)] == [("a red, square", "빨간 네모")]


def test_a_table_without_image_names_gets_no_hint(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos")
    (photos / "scores.csv").write_text("name,score\na,1\n", encoding="utf-8")
    (photos / "log.jsonl").write_text("not json\n", encoding="utf-8")
    assert _refusal(photos) == (f"{photos}: not a captioned-image folder (expected {photos / 'captions.tsv'} "
                                "with 'image<TAB>caption' lines)")
