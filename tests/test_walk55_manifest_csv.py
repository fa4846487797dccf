"""A manifest written by pandas' ``to_csv`` without ``sep="\\t"`` (its header ``audio,text``) was refused as
"expected the header 'audio<TAB>text' ..., found 'audio,text'"; it is read as CSV, as captions.tsv reads
``image,caption`` (walk55)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError

ROWS = [("a.wav", "printing, in the only sense"), ("b c.wav", 'he said "hi"'), ("한국어.wav", "안녕, 하세요"),
        ("a.wav", "plain")]


def _audio(folder: Path) -> None:
    for name in {r[0] for r in ROWS}:
        sf.write(folder / name, np.zeros(1600, np.float32), 16000)


def test_a_manifest_pandas_wrote_as_csv_reads_as_pandas_reads_it(tmp_path: Path) -> None:
    _audio(tmp_path)
    pd.DataFrame(ROWS, columns=["audio", "text"]).to_csv(tmp_path / "manifest.tsv", index=False)
    judge = pd.read_csv(tmp_path / "manifest.tsv")
    with pytest.warns(UserWarning, match="listed again"):
        utts = read_manifest(tmp_path)
    assert [(u.audio.name, u.text) for u in utts] == list(judge.itertuples(index=False, name=None))
    assert [u.audio for u in utts] == [tmp_path / r[0] for r in ROWS]


def test_a_csv_manifest_with_phonemes_and_a_quoted_header(tmp_path: Path) -> None:
    _audio(tmp_path)
    with open(tmp_path / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows([("Audio", "Text", "Phonemes"), ("a.wav", "hi, you", "h aɪ")])
    [utt] = read_manifest(tmp_path)
    assert (utt.audio.name, utt.text, utt.phonemes) == ("a.wav", "hi, you", "h aɪ")


@pytest.mark.parametrize("line, said", [
    ("a.wav,hi, you", r"manifest.tsv:2: expected 2 comma-separated fields \(audio, text\), found 3; a transcript "
                      "that holds a comma goes in double quotes$"),
    ('a.wav,"hi', "manifest.tsv:2: expected comma-separated fields as CSV, as the header says: unexpected end"),
])
def test_a_csv_line_that_is_not_two_fields_is_refused_by_its_line(tmp_path: Path, line: str, said: str) -> None:
    _audio(tmp_path)
    (tmp_path / "manifest.tsv").write_text(f"audio,text\n{line}\n", encoding="utf-8")
    with pytest.raises(UserError, match=said):
        read_manifest(tmp_path)


def test_a_tab_separated_manifest_still_takes_commas_in_its_transcripts(tmp_path: Path) -> None:
    _audio(tmp_path)
    (tmp_path / "manifest.tsv").write_text("audio\ttext\na.wav\thi, you\n", encoding="utf-8")
    assert read_manifest(tmp_path)[0].text == "hi, you"


@pytest.mark.parametrize("sep", ["\t", ","])
def test_a_table_pandas_wrote_with_its_index_is_told_to_leave_it_out(tmp_path: Path, sep: str) -> None:
    _audio(tmp_path)
    pd.DataFrame(ROWS, columns=["audio", "text"]).to_csv(tmp_path / "manifest.tsv", sep=sep)  # index=True, the default
    with pytest.raises(UserError, match=r"manifest.tsv:1: expected the header .*; its first column has no name, as "
                                        r"pandas' to_csv writes the table's index: write it with index=False$"):
        read_manifest(tmp_path)
    pd.DataFrame(ROWS, columns=["audio", "text"]).to_csv(tmp_path / "manifest.tsv", sep=sep, index=False)
    with pytest.warns(UserWarning, match="listed again"):
        assert len(read_manifest(tmp_path)) == len(ROWS)
