"""Transcripts and file names as users type them: a letter with a combining accent (NFD, as macOS writes text) is
the one character of its composed spelling (NFC) for a character recogniser, Hangul typed as jamo is Korean, and a
WAV file named in one spelling is found from a manifest that lists it in the other."""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.data.audio import read_wav
from rnnkit.data.speech import is_korean, read_manifest, symbols_of, text_of
from rnnkit.errors import UserError


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_a_transcript_in_nfd_gives_the_symbols_of_its_nfc_spelling() -> None:
    """'café' typed with a combining accent was five symbols, 'e' and U+0301, beside the four of 'café': one
    sound, two spellings for the model to learn."""
    assert symbols_of(nfd("café crème"), None, "chars") == ["c", "a", "f", "é", "|", "c", "r", "è", "m", "e"]
    assert symbols_of(nfd("café"), None, "chars") == symbols_of("café", None, "chars")
    assert text_of(symbols_of(nfd("café"), None, "chars"), "chars") == "café"


def test_hangul_typed_as_jamo_is_korean_and_read_as_jamo() -> None:
    assert is_korean(nfd("안녕하세요"))
    assert symbols_of("안녕", None, "chars", jamo=True) == symbols_of(nfd("안녕"), None, "chars", jamo=True)
    assert len(symbols_of(nfd("안녕"), None, "chars", jamo=True)) == 6


@pytest.mark.parametrize(("on_disk", "listed"), [(nfd, nfc), (nfc, nfd)])
def test_a_wav_named_in_the_other_unicode_spelling_is_found(tmp_path: Path, on_disk: Callable[[str], str],
                                                            listed: Callable[[str], str]) -> None:
    """A recording named on a Mac (NFD: Hangul as jamo, as its zip archives keep names) and listed in a manifest
    typed elsewhere (NFC) printed alike and was 'no such audio file'."""
    (tmp_path / on_disk("통화 녹음")).mkdir()
    wav = tmp_path / on_disk("통화 녹음") / on_disk("café 1.wav")
    soundfile.write(str(wav), np.zeros(160, dtype=np.float32), 16000)
    (tmp_path / "manifest.tsv").write_text(f"audio\ttext\n{listed('통화 녹음/café 1.wav')}\t{listed('여보세요')}\n",
                                           encoding="utf-8")
    [utterance] = read_manifest(tmp_path)
    assert utterance.audio == wav
    assert read_wav(utterance.audio)[1] == 16000


def test_a_wav_in_neither_spelling_is_still_no_such_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.tsv").write_text("audio\ttext\ncafé.wav\thello\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"manifest\.tsv:2: no such audio file 'café\.wav'"):
        read_manifest(tmp_path)


def test_a_broadcast_wav_with_junk_and_bext_chunks_is_read(tmp_path: Path) -> None:
    """Field recorders write Broadcast WAV: a JUNK and a bext chunk before 'fmt ' (rnnkit's own header check walks
    the chunks before soundfile reads the file)."""
    wave = (0.5 * np.sin(np.arange(1600) / 5)).astype(np.float32)
    plain = tmp_path / "plain.wav"
    soundfile.write(str(plain), wave, 16000, subtype="PCM_24")
    raw = plain.read_bytes()
    body = b"JUNK" + struct.pack("<I", 28) + bytes(28) + b"bext" + struct.pack("<I", 602) + bytes(602) + raw[12:]
    recorded = tmp_path / "ZOOM0001.WAV"
    recorded.write_bytes(b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body)
    samples, rate = read_wav(recorded)
    assert rate == 16000
    np.testing.assert_allclose(samples, wave, atol=1e-6)
