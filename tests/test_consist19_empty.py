"""A data file of no items is refused, for every task, naming the file and what was expected in it
(cross-task consistency, round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.captions import read_captions
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError


@pytest.mark.parametrize("header", ["audio\ttext\n", "audio\ttext\tphonemes\n\n  \n"])
def test_a_manifest_of_no_utterance_says_what_lines_it_expected(tmp_path: Path, header: str) -> None:
    """A manifest.tsv of its header alone was refused as only 'manifest.tsv: no utterances', where charlm,
    classify, tag and seq2seq say what their empty file should have held ('no pairs; expected lines of
    'source<TAB>target'')."""
    (tmp_path / "manifest.tsv").write_text(header, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_manifest(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'manifest.tsv'}: no utterances; expected lines 'audio<TAB>text' "
                                 "(an audio file's path and its transcript) under the header")


@pytest.mark.parametrize("text", ["", "image\tcaption\n", "\n \n"])
def test_a_captions_file_of_no_image_says_what_lines_it_expected(tmp_path: Path, text: str) -> None:
    """An empty captions.tsv (or its header alone) was refused as only 'captions.tsv: no captioned images'."""
    (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_captions(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'captions.tsv'}: no captioned images; expected lines 'image<TAB>caption'"
