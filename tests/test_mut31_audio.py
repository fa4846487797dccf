"""Mutation round 31 of read_audio (every format libsndfile reads): what no test held before.

Each test kills a mutant that survived the area's tests: a W64 or a WAV libsndfile cannot open named by its format,
a RIFF file of no WAVE not taken for a cut WAV, an RF64 without samples checked as a WAV, an AIFF written to a
stream read, libsndfile's reason without its 'Error : ' and full stop, an MP3 within a frame of its header's length
read, a recording longer than one block read whole, the ffmpeg command for a FLAC of open length, and a name typed
in either Unicode spelling (the file of the typed spelling first); a CAF or W64 file cut short refused (it was read
as a shorter recording)."""

from __future__ import annotations

import re
import struct
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_audio
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


def _tone(n: int, rate: int = 8000) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)


def _written(path: Path, n: int = 800, **how: str) -> bytes:
    soundfile.write(path, _tone(n), 8000, **how)
    return path.read_bytes()


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as err:
        read_audio(path)
    return str(err.value)


def test_a_w64_and_a_wav_libsndfile_cannot_open_are_named_by_their_format(tmp_path: Path) -> None:
    """By their first bytes ('riff' of W64, RIFF/WAVE), not 'not an audio file; found b'riff...''."""
    w64 = tmp_path / "call.w64"
    w64.write_bytes(_written(w64, format="W64")[:60])  # the header's fmt chunk cut
    assert _refusal(w64) == f"{w64}: truncated W64 file: no 'data' chunk with samples"  # its chunks walked as a WAV's
    wav = tmp_path / "codec.wav"
    data = bytearray(_written(wav, subtype="PCM_16"))
    data[20:22] = (0x1234).to_bytes(2, "little")  # a format tag libsndfile knows nothing of
    wav.write_bytes(bytes(data))
    assert _refusal(wav).startswith(f"{wav}: cannot read as WAV (libsndfile: ")


def test_a_riff_file_of_no_wave_is_no_audio_and_an_rf64_without_samples_is_a_cut_wav(tmp_path: Path) -> None:
    avi = tmp_path / "clip.wav"
    avi.write_bytes(b"RIFF\x10\x00\x00\x00AVI LIST\x04\x00\x00\x00abcd")
    assert _refusal(avi).startswith(f"{avi}: not an audio file (WAV, FLAC")  # not 'truncated WAV file'
    rf64 = tmp_path / "long call.wav"
    data = _written(rf64, format="RF64")
    rf64.write_bytes(data[:data.index(b"data")])
    assert _refusal(rf64) == f"{rf64}: truncated WAV file: no 'data' chunk with samples"


def test_an_aiff_written_to_a_stream_is_read(tmp_path: Path) -> None:
    """SSND's size as a streaming writer leaves it (libsndfile logs 'should be N') is no truncated file."""
    path = tmp_path / "call.aiff"
    data = bytearray(_written(path, format="AIFF"))
    at = data.index(b"SSND")
    data[at + 4:at + 8] = struct.pack(">I", 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    wave, rate = read_audio(path)
    assert (len(wave), rate) == (800, 8000)


def test_libsndfiles_reason_is_given_without_its_prefix_and_full_stop(tmp_path: Path) -> None:
    path = tmp_path / "call.flac"
    data = _written(path, 8000, format="FLAC")
    path.write_bytes(data[:len(data) // 2])
    said = _refusal(path)
    assert said.startswith(f"{path}: truncated or damaged FLAC file (libsndfile: ")
    assert "Error :" not in said and not said.endswith(".)")


def test_an_mp3_within_a_frame_of_its_header_is_read(tmp_path: Path) -> None:
    """The decoder's slack (one MP3 frame): a last frame missing a byte gives a few hundred samples fewer."""
    path = tmp_path / "call.mp3"
    path.write_bytes(_written(path, 8000, format="MP3")[:-1])
    wave, _ = read_audio(path)
    assert 8000 - 1152 <= len(wave) < 8000


def test_a_recording_longer_than_a_block_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "call.flac"
    _written(path, 70000, format="FLAC")
    wave, _ = read_audio(path)
    assert len(wave) == 70000
    np.testing.assert_allclose(wave[-5:], _tone(70000)[-5:], atol=1e-3)


def test_a_flac_of_open_length_is_told_how_to_convert(tmp_path: Path) -> None:
    path = tmp_path / "call.flac"
    data = bytearray(_written(path, 8000, format="FLAC"))
    data[21] &= 0xF0
    data[22:26] = bytes(4)  # STREAMINFO's sample count 0: left open, as a writer to a pipe leaves it
    path.write_bytes(bytes(data))
    assert _refusal(path).endswith(f"; convert it first, e.g. `ffmpeg -i {path} {tmp_path / 'call.wav'}`")


def test_a_name_typed_in_nfd_finds_its_nfc_file_and_the_typed_spelling_comes_first(tmp_path: Path) -> None:
    nfc = tmp_path / "통화 1.wav"
    nfd = Path(unicodedata.normalize("NFD", str(nfc)))
    _written(nfc, 800)
    if nfd.exists():
        pytest.skip("this file system finds either spelling itself")
    assert len(read_audio(nfd)[0]) == 800  # typed on a Mac, the file named elsewhere
    _written(nfd, 1600)  # both spellings on disk, two files: each read as typed
    assert (len(read_audio(nfd)[0]), len(read_audio(nfc)[0])) == (1600, 800)


@pytest.mark.parametrize(("name", "fmt", "said"), [("call.caf", "CAF", "bytes of samples, the file holds"),
                                                   ("call.w64", "W64", "bytes of samples, the file holds")])
def test_a_caf_or_w64_cut_short_is_refused(tmp_path: Path, name: str, fmt: str, said: str) -> None:
    """libsndfile reads what is there of them, as of an AIFF: a CAF a second long cut to 0.85 s, or a W64 cut to
    its first 40 samples, was read as a shorter recording; now refused as its header and its size disagree."""
    path = tmp_path / name
    data = _written(path, 8000, format=fmt, subtype="PCM_16")
    path.write_bytes(data[:len(data) - 2 * 1153] if fmt == "CAF" else data[:200])
    assert re.fullmatch(f"{re.escape(str(path))}: truncated {fmt} file: the header declares \\d+ {said} \\d+",
                        _refusal(path))
    path.write_bytes(data)
    assert len(read_audio(path)[0]) == 8000
