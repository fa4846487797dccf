"""manifest.tsv and captions.tsv find their header alike: on the first line that is not blank, in any case."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.captions import read_captions
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError


def test_a_manifest_header_after_blank_lines_and_capitalised_is_read(tmp_path: Path) -> None:
    """It was refused as "manifest.tsv:1: expected the header 'audio<TAB>text' ..., found ''"."""
    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "manifest.tsv").write_text("\n\r\nAudio\tText \na.wav\thello\n", encoding="utf-8")
    [utterance] = read_manifest(tmp_path)
    assert (utterance.audio.name, utterance.text, utterance.phonemes) == ("a.wav", "hello", None)


def test_a_wrong_manifest_header_is_refused_on_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.tsv").write_text("\n\nwav\ttranscript\na.wav\thello\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"manifest\.tsv:3: expected the header 'audio<TAB>text' or "
                                        r"'audio<TAB>text<TAB>phonemes', found 'wav\\ttranscript'$"):
        read_manifest(tmp_path)


def test_a_captions_header_after_blank_lines_is_a_header(tmp_path: Path) -> None:
    """It was read as a line of data: 'no such image 'Image''."""
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "captions.tsv").write_text("\n Image\tCaption\na.png\ta red square\n", encoding="utf-8")
    [image] = read_captions(tmp_path)
    assert (image.image.name, image.captions) == ("a.png", ("a red square",))
