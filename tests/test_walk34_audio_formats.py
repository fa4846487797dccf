"""A call centre's recordings in a format libsndfile does not read (M4A, WMA, AMR) are refused naming the format and
how to convert them, not only by the bytes found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_wav
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


@pytest.mark.parametrize(("name", "head", "said"), [("통화 1.m4a", b"\0\0\0\x20ftypM4A ", "MP4/M4A"),
                                                  ("call.WMA", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "WMA"),
                                                  ("call.amr", b"#!AMR\n", "AMR")])
def test_formats_libsndfile_lacks_are_named_with_the_ffmpeg_command(tmp_path: Path, name: str, head: bytes,
                                                                    said: str) -> None:
    """FLAC, Ogg and MP3 are read now (tests/test_audio34_formats.py); what libsndfile cannot read keeps the advice."""
    path = tmp_path / name
    path.write_bytes(head + bytes(100))
    with pytest.raises(UserError) as err:
        read_wav(path)
    assert f"{path}: {said} audio, which libsndfile does not read; convert it first, e.g. `ffmpeg -i " in str(err.value)
    assert str(path.with_suffix(".wav")) in str(err.value)


def test_an_mp3_tag_without_frames_and_text_as_before(tmp_path: Path) -> None:
    mp3 = tmp_path / "call.mp3"
    mp3.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(100))
    with pytest.raises(UserError, match="call.mp3: truncated or damaged MP3 file"):
        read_wav(mp3)
    notes = tmp_path / "notes.wav"
    notes.write_bytes(b"memo about the calls\n")
    with pytest.raises(UserError, match=r"notes.wav: not an audio file \(WAV, FLAC, .*; found b'memo about t'"):
        read_wav(notes)


def test_an_empty_recording_is_said_as_every_other_refusal(tmp_path: Path) -> None:
    """'PATH: empty file; expected ...', as mnist's reader and read_wav's own folder line say it (was ', expected')."""
    empty = tmp_path / "빈 통화.wav"
    empty.write_bytes(b"")
    with pytest.raises(UserError) as err:
        read_wav(empty)
    assert str(err.value).startswith(f"{empty}: empty file; expected an audio file (WAV, FLAC, Ogg, MP3")


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
