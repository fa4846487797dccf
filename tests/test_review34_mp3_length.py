"""An MP3 whose first frame gives no length (no Xing or Info header: an older encoder's, a cut or joined file):
libsndfile reports mpg123's guess from the file's size and first frame, and stops reading there. An intact
constant-rate one with an ID3 tag (counted into the size) was refused as "truncated or damaged"; a variable-rate
one whose first frame is larger than the rest was read as a fraction of itself, without a word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_audio
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")

RATE = 16000
#: MPEG-2 layer III's bit rates (kbit/s) by a header's index, as the standard gives them
KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
#: an ID3v2.3 tag of 8 KiB (its size in 7-bit bytes: 0x40 << 7), as a tagger or a recorder's metadata leaves it
TAG = b"ID3\x03\x00\x00\x00\x00\x40\x00" + bytes(8192)


def _without_length(path: Path, wave: np.ndarray, **options: object) -> bytes:
    """The MP3 of ``wave`` less its first frame, which holds LAME's Xing or Info header (MPEG-2 layer III at 16 kHz:
    72,000 × kbit/s / rate bytes, and its padding byte)."""
    soundfile.write(path, wave, RATE, format="MP3", **options)
    data = path.read_bytes()
    first = 72000 * KBPS[data[2] >> 4] // RATE + ((data[2] >> 1) & 1)
    assert data[first: first + 2] == b"\xff\xf3" and (b"Xing" in data[:first] or b"Info" in data[:first])
    return data[first:]


def _tone(seconds: float) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 300 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)


@pytest.mark.parametrize("tag", [b"", TAG])
def test_a_constant_rate_mp3_without_its_length_is_read_whole(tmp_path: Path, tag: bytes) -> None:
    frames = _without_length(tmp_path / "lame.mp3", _tone(3.0), bitrate_mode="CONSTANT", compression_level=0.5)
    path = tmp_path / "call.mp3"
    path.write_bytes(tag + frames)
    wave, rate = read_audio(path)  # with the tag: "truncated or damaged MP3 file: the header declares 62659 ..."
    assert rate == RATE and abs(len(wave) - 3 * RATE) <= 2000


def test_a_variable_rate_mp3_without_its_length_is_refused_not_cut_short(tmp_path: Path) -> None:
    wave = _tone(3.0)
    wave[: RATE // 2] = np.random.default_rng(0).normal(0.0, 0.3, RATE // 2)  # a loud start: a large first frame
    path = tmp_path / "call.mp3"
    path.write_bytes(_without_length(tmp_path / "lame.mp3", wave))
    with pytest.raises(UserError) as err:
        read_audio(path)  # was 10,800 of its 48,000 samples
    said = str(err.value)
    assert said.startswith(f"{path}: an MP3 file whose first frame gives no length (no Xing or Info header): "
                           "libsndfile reads the ") and "\n" not in said
    assert said.endswith(f"its frames hold; convert it first, e.g. `ffmpeg -i {path} {path.with_suffix('.wav')}`")
