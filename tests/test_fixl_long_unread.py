"""A recording longer than --max-seconds was decoded whole only to be left out (an hour at 44.1 kHz stereo is
hundreds of MB, once per file). A WAV (or W64) of integer PCM samples, whose header length the checks already hold to
the file's size, is now left out unread; any other format, and a damaged file, is read and refused as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

import rnnkit.tasks._speech_data as sd
from rnnkit.data.audio_read import declared_length
from rnnkit.errors import RnnkitWarning, UserError

RATE = 8000


def _write(path: Path, seconds: float, subtype: str = "PCM_16") -> Path:
    soundfile.write(path, np.full(int(seconds * RATE), 0.1, np.float32), RATE, subtype=subtype)
    return path


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = sd.read_audio
    monkeypatch.setattr(sd, "read_audio", lambda path: read.append(Path(path).name) or real(path))
    return read


def test_a_long_pcm_wav_is_left_out_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [_write(tmp_path / "long.wav", 2.0), _write(tmp_path / "short.wav", 0.5)]
    read = _counting_reads(monkeypatch)
    with pytest.warns(RnnkitWarning, match=r"1 of 2 training recordings .* \(first .*long\.wav: 2\.0 s\)"):
        feats, _ = sd.recordings_features(paths, 8, RATE, what="training", max_seconds=1.0)
    assert feats[0] == [] and len(feats[1]) == 1 and read == ["short.wav"]


def test_a_float_wav_and_a_flac_are_read_to_learn_their_length(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [_write(tmp_path / "f.wav", 2.0, "FLOAT"), _write(tmp_path / "a.flac", 2.0)]
    assert [declared_length(p) for p in paths] == [None, None]
    assert declared_length(_write(tmp_path / "s.wav", 2.0)) == (16000, RATE)
    read = _counting_reads(monkeypatch)
    with pytest.warns(RnnkitWarning, match="2 of 3 validation recordings"):
        sd.recordings_features([*paths, _write(tmp_path / "ok.wav", 0.5)], 8, RATE, what="validation", max_seconds=1.0)
    assert read == ["f.wav", "a.flac", "ok.wav"]


def test_a_long_wav_cut_short_is_still_refused_as_truncated(tmp_path: Path) -> None:
    wav = _write(tmp_path / "cut.wav", 2.0)
    wav.write_bytes(wav.read_bytes()[:-4000])
    with pytest.raises(UserError, match=r"cut\.wav: truncated WAV file: the header declares 32000 bytes"):
        sd.recordings_features([wav], 8, RATE, what="training", max_seconds=1.0)
