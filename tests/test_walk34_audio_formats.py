"""A call centre's recordings exported as FLAC, Ogg or MP3 are refused naming the format and how to convert them,
not only by the bytes found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_wav
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


@pytest.mark.parametrize(("name", "fmt", "said"), [("통화 1.flac", "FLAC", "FLAC"), ("call.OGG", "OGG", "Ogg")])
def test_flac_and_ogg_are_named(tmp_path: Path, name: str, fmt: str, said: str) -> None:
    path = tmp_path / name
    soundfile.write(path, 0.1 * np.sin(np.arange(8000) / 5.0), 8000, format=fmt)
    with pytest.raises(UserError) as err:
        read_wav(path)
    assert f"{path}: not a WAV file but {said} audio; convert it first, e.g. `ffmpeg -i " in str(err.value)
    assert str(path.with_suffix(".wav")) in str(err.value)


def test_mp3_by_its_id3_tag_and_text_as_before(tmp_path: Path) -> None:
    mp3 = tmp_path / "call.mp3"
    mp3.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(100))
    with pytest.raises(UserError, match="not a WAV file but MP3 audio"):
        read_wav(mp3)
    notes = tmp_path / "notes.wav"
    notes.write_bytes(b"memo about the calls\n")
    with pytest.raises(UserError, match=r"not a WAV file \(expected a RIFF/WAVE header, found b'memo about t'\)"):
        read_wav(notes)


def test_an_empty_recording_is_said_as_every_other_refusal(tmp_path: Path) -> None:
    """'PATH: empty file; expected ...', as mnist's reader and read_wav's own folder line say it (was ', expected')."""
    empty = tmp_path / "빈 통화.wav"
    empty.write_bytes(b"")
    with pytest.raises(UserError) as err:
        read_wav(empty)
    assert str(err.value) == f"{empty}: empty file; expected a WAV file"


@pytest.mark.parametrize("subtype", ["ULAW", "ALAW", "IMA_ADPCM", "GSM610"])
def test_telephone_codecs_in_a_wav_are_read(tmp_path: Path, subtype: str) -> None:
    """docs/SPEECH.md names them: a call centre's 8 kHz G.711 (or ADPCM, GSM) WAV reads as its tone."""
    path = tmp_path / f"통화 {subtype}.WAV"
    tone = 0.3 * np.sin(2 * np.pi * 300 * np.arange(8000) / 8000)
    soundfile.write(path, tone, 8000, subtype=subtype, format="WAV")
    wave, rate = read_wav(path)
    assert rate == 8000 and len(wave) >= 8000
    middle = wave[2000:6000]  # a lossy codec's first block overshoots; the tone's RMS is 0.3 / sqrt(2)
    assert abs(float(np.sqrt(np.mean(middle**2))) - 0.3 / np.sqrt(2)) < 0.04
    spectrum = np.abs(np.fft.rfft(wave[:8000]))
    assert abs(int(np.argmax(spectrum)) - 300) <= 1  # 1 Hz a bin over one second
