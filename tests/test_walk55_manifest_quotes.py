"""A manifest.tsv written by a CSV writer (pandas' ``to_csv(sep="\\t")``, Python's ``csv``) quotes a field that holds
a double quote: its transcript was trained and scored with the quotes (and the inner ones doubled), and a quoted
file name was 'no such audio file'. The manifest now reads its fields as ``csv`` reads them back (walk55)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rnnkit.data.captions import read_captions
from rnnkit.data.speech import read_manifest

ROWS = [["audio", "text"], ["a.wav", 'he said "hi"'], ['odd "name".wav', "plain text"], ["b.wav", '"quoted" start']]


def _corpus(tmp_path: Path, quoting: int) -> Path:
    for name in ("a.wav", 'odd "name".wav', "b.wav"):
        sf.write(tmp_path / name, np.zeros(1600, np.float32), 16000)
    with open(tmp_path / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", quoting=quoting).writerows(ROWS)
    return tmp_path


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
def test_a_manifest_a_csv_writer_quoted_reads_as_csv_reads_it(tmp_path: Path, quoting: int) -> None:
    folder = _corpus(tmp_path, quoting)
    with open(folder / "manifest.tsv", encoding="utf-8", newline="") as f:
        judge = list(csv.reader(f, delimiter="\t"))
    assert judge == ROWS
    utts = read_manifest(folder)
    assert [[u.audio.name, u.text] for u in utts] == judge[1:]
    assert [u.audio for u in utts] == [folder / row[0] for row in ROWS[1:]]


def test_quotes_inside_a_field_that_is_not_wholly_quoted_are_the_transcripts(tmp_path: Path) -> None:
    sf.write(tmp_path / "a.wav", np.zeros(1600, np.float32), 16000)
    (tmp_path / "manifest.tsv").write_text('audio\ttext\na.wav\t"stop" sign\n', encoding="utf-8")
    assert read_manifest(tmp_path)[0].text == '"stop" sign'


def test_captions_still_read_their_quoted_fields(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text('image\tcaption\n"a.png"\t"a ""stop"" sign"\n', encoding="utf-8")
    assert read_captions(tmp_path)[0].captions == ('a "stop" sign',)
