"""Mutation audit round 21: a listed file's name as written comes before its other Unicode spelling, and a
word/TAG file of lone-CR line ends is sniffed by its lines; an image
listed in both spellings is one image."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.data.slashtags import read_tagged
from rnnkit.data.speech import read_manifest


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_the_name_as_written_is_taken_where_both_spellings_are_files(tmp_path: Path, form: str) -> None:
    """On Linux 'café.wav' and its NFD spelling can be two files: the manifest's own spelling is the one meant."""
    for spelling in ("NFC", "NFD"):
        (tmp_path / unicodedata.normalize(spelling, "café.wav")).write_bytes(b"")
    listed = unicodedata.normalize(form, "café.wav")
    (tmp_path / "manifest.tsv").write_text(f"audio\ttext\n{listed}\thello\n", encoding="utf-8")
    [utterance] = read_manifest(tmp_path)
    assert utterance.audio.name == listed


def test_a_lone_cr_word_tag_file_whose_first_line_starts_with_a_hash_is_slash_tagged(tmp_path: Path) -> None:
    """The Penn Treebank's '#/#' may begin a line; the sniff skips that line, not the whole one-line file."""
    path = tmp_path / "old-mac.txt"
    path.write_bytes(b"#/# 1/CD ./.\rThe/DT cat/NN sat/VBD ./.\rA/DT dog/NN ran/VBD ./.\r")
    sentences = read_tagged(path)
    assert sentences.tokens == [["#", "1", "."], ["The", "cat", "sat", "."], ["A", "dog", "ran", "."]]
    assert sentences.tags[0] == ["#", "CD", "."]


def test_an_image_listed_in_both_spellings_is_one_image(tmp_path: Path) -> None:
    """Lines typed on a Mac (NFD) and elsewhere (NFC) name one file: one image with both captions, not two images
    of one file (which could fall in both the training and the validation split)."""
    Image.new("RGB", (4, 4)).save(tmp_path / unicodedata.normalize("NFD", "café.png"))
    lines = [f"{unicodedata.normalize(form, 'café.png')}\t{caption}" for form, caption in
             [("NFC", "a cup"), ("NFD", "a mug"), ("NFC", "a cup of tea")]]
    (tmp_path / "captions.tsv").write_text("image\tcaption\n" + "\n".join(lines) + "\n", encoding="utf-8")
    [image] = read_captions(tmp_path)
    assert image.image == tmp_path / unicodedata.normalize("NFD", "café.png")
    assert image.captions == ("a cup", "a mug", "a cup of tea")
