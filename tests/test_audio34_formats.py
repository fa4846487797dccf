"""A call centre's recordings as FLAC, Ogg (Vorbis, Opus), MP3, AIFF, CAF or W64 are read as libsndfile reads them
(they were refused with "convert it first, e.g. ffmpeg ..."), and a damaged one is refused in one line naming it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_audio, read_wav
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")

RATE = 8000
#: (file name, soundfile format, subtype): what a telephone system or an editor exports
FORMATS = [("통화.flac", "FLAC", None), ("call.ogg", "OGG", "VORBIS"), ("call.opus", "OGG", "OPUS"),
           ("call.mp3", "MP3", "MPEG_LAYER_III"), ("call.aiff", "AIFF", None), ("call.caf", "CAF", None),
           ("call.w64", "W64", None)]
#: what each is called in a refusal
SAID = {"FLAC": "FLAC", "OGG": "Ogg", "MP3": "MP3", "AIFF": "AIFF"}


def _tone(seconds: float = 1.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 300 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)


def _write(path: Path, fmt: str, subtype: str | None, wave: np.ndarray | None = None) -> Path:
    soundfile.write(path, _tone() if wave is None else wave, RATE, format=fmt, subtype=subtype)
    return path


@pytest.mark.parametrize(("name", "fmt", "subtype"), FORMATS)
def test_each_format_libsndfile_reads_is_read_as_its_tone(tmp_path: Path, name: str, fmt: str,
                                                          subtype: str | None) -> None:
    wave, rate = read_audio(_write(tmp_path / name, fmt, subtype))
    assert rate == RATE and wave.dtype == np.float32 and abs(len(wave) - RATE) <= 200
    spectrum = np.abs(np.fft.rfft(wave[:RATE], RATE))
    assert abs(int(np.argmax(spectrum)) - 300) <= 2  # a lossy codec keeps the tone's pitch
    assert read_wav is read_audio  # the name other code and docs use


@pytest.mark.parametrize(("name", "fmt", "subtype"), [f for f in FORMATS if f[1] in SAID])
@pytest.mark.parametrize("keep", [0.5, 8])
def test_a_file_cut_short_is_refused_in_one_line_naming_it(tmp_path: Path, name: str, fmt: str, subtype: str | None,
                                                           keep: float) -> None:
    """Half the file (a copy stopped part-way), or its first 8 bytes: libsndfile's own words were 'File does not
    exist' for an MP3 that does; an MP3 or AIFF cut short was read as a shorter recording, without a word."""
    whole = _write(tmp_path / f"whole-{name}", fmt, subtype).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(whole[: int(len(whole) * keep) if keep < 1 else int(keep)])
    with pytest.raises(UserError) as err:
        read_audio(cut)
    said = str(err.value)
    assert said.startswith(f"{cut}: truncated") and f" {SAID[fmt]} file" in said and "\n" not in said
    assert "does not exist" not in said


def test_bytes_of_no_audio_format_and_formats_without_samples(tmp_path: Path) -> None:
    notes = tmp_path / "notes.flac"
    notes.write_bytes(b"not audio at all, a memo\n")
    with pytest.raises(UserError, match=r"notes.flac: not an audio file \(WAV, FLAC, Ogg, MP3.*any format libsndfile "
                                        r"reads\); found b'not audio at'"):
        read_audio(notes)
    for name, fmt in (("silent.ogg", "OGG"), ("silent.aiff", "AIFF")):
        with pytest.raises(UserError, match=f"{name}: {fmt} file without samples$"):
            read_audio(_write(tmp_path / name, fmt, None, np.zeros(0, np.float32)))


@pytest.mark.parametrize(("name", "fmt"), [("call.aiff", "AIFF"), ("call.caf", "CAF"), ("call.w64", "W64")])
def test_float_formats_with_infinity_and_absurd_rates_are_refused(tmp_path: Path, name: str, fmt: str) -> None:
    wave = _tone(0.1)
    wave[7] = np.inf
    path = _write(tmp_path / name, fmt, "FLOAT", wave)
    with pytest.raises(UserError, match=f"{name}: sample 7 is not a finite number"):
        read_audio(path)
    soundfile.write(path, _tone(0.1), 500, format=fmt)
    with pytest.raises(UserError, match=f"{name}: its header gives a sample rate of 500 Hz; expected 1,000 to"):
        read_audio(path)


def test_aac_in_adts_is_named_with_the_ffmpeg_command(tmp_path: Path) -> None:
    """An .aac file starts with MPEG's frame sync too, its layer bits 00: not taken for a damaged MP3."""
    path = tmp_path / "call.aac"
    path.write_bytes(b"\xff\xf1\x50\x80" + bytes(200))
    with pytest.raises(UserError, match=r"call.aac: AAC audio, which libsndfile does not read; convert it first"):
        read_audio(path)


@pytest.mark.parametrize(("length", "said"), [(0, "its header leaves its length open, as a writer to a pipe leaves "
                                                  "it, and libsndfile cannot read it"),
                                              (2**36 - 1, "truncated or damaged FLAC file")])
def test_a_flac_header_of_no_or_an_absurd_length_is_refused_in_one_line(tmp_path: Path, length: int,
                                                                        said: str) -> None:
    """STREAMINFO's 36-bit sample count: 0 (unknown, as a writer to a pipe leaves it) made libsndfile report 2^63 - 1
    frames, and soundfile.read's array of that size was a ValueError's traceback; 2^36 - 1 an array of 256 GiB."""
    data = bytearray(_write(tmp_path / "x.flac", "FLAC", None).read_bytes())
    data[21] = (data[21] & 0xF0) | (length >> 32)
    data[22:26] = (length & 0xFFFFFFFF).to_bytes(4, "big")
    path = tmp_path / "call.flac"
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match=f"^{path}: {said}"):
        read_audio(path)
