"""Recordings (or images) in one folder with ``train.tsv`` and ``test.tsv`` beside them, as Common Voice lays a
corpus out: ``--data clips/train.tsv`` was refused as 'not a speech corpus (a file; expected the folder that holds
manifest.tsv ...)', and the two lists could not both be that folder's manifest.tsv. A ``.tsv`` file of another name
is now read as the index it is (walk55)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rnnkit.data.captions import read_captions
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import speech_corpora

TRAIN = [("a.wav", "ab"), ("b.wav", "ba"), ("c.wav", "abba")]
TEST = [("d.wav", "b a")]


def _clips(folder: Path) -> Path:
    folder.mkdir()
    for name, _ in TRAIN + TEST:
        sf.write(folder / name, np.full(1600, 0.1, np.float32), 16000)
    for index, rows in (("train.tsv", TRAIN), ("test.tsv", TEST)):
        with open(folder / index, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter="\t").writerows([("audio", "text"), *rows])
    return folder


def test_a_manifest_named_otherwise_reads_as_the_same_file_named_manifest_tsv(tmp_path: Path) -> None:
    clips = _clips(tmp_path / "clips")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "manifest.tsv").write_text("".join(f"{line}\n" for line in ["audio\ttext", *(
        f"../clips/{name}\t{text}" for name, text in TRAIN)]), encoding="utf-8")
    named = read_manifest(clips / "train.tsv")
    assert [(u.audio.resolve(), u.text) for u in named] == [(u.audio.resolve(), u.text) for u in read_manifest(alone)]
    assert [(u.audio, u.text) for u in named] == [(clips / name, text) for name, text in TRAIN]


def test_training_and_validation_lists_beside_their_recordings(tmp_path: Path) -> None:
    clips = _clips(tmp_path / "clips")
    train, val = speech_corpora(str(clips / "train.tsv"), str(clips / "test.tsv"), SpeechConfig())
    assert [(u.audio.name, u.text) for u in train] == TRAIN
    assert [(u.audio.name, u.text) for u in val] == TEST


def test_a_tsv_that_is_no_manifest_is_refused_at_its_header(tmp_path: Path) -> None:
    clips = _clips(tmp_path / "clips")
    (clips / "notes.tsv").write_text("name\tnote\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"notes.tsv:1: expected the header 'audio<TAB>text'"):
        read_manifest(clips / "notes.tsv")
    with pytest.raises(UserError, match=r"a.wav: not a speech corpus \(a file; expected the folder"):
        read_manifest(clips / "a.wav")


def test_captions_under_another_name_too(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    (tmp_path / "val.tsv").write_text("image\tcaption\na.png\ta square\n", encoding="utf-8")
    [item] = read_captions(tmp_path / "val.tsv")
    assert (item.image, item.captions) == (tmp_path / "a.png", ("a square",))
