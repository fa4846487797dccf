"""A speech run whose one validation (or training) recording is longer than ``--max-seconds`` was refused as
"all 1 validation recordings are longer ... (first PATH ...)"; it now says "the one validation recording is
longer ... (PATH ...)", as the too-short check words its one utterance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.errors import UserError
from rnnkit.tasks._speech_data import recordings_features

RATE = 8000


def _noise(path: Path, seconds: float) -> Path:
    soundfile.write(path, 0.1 * np.random.default_rng(0).standard_normal(int(seconds * RATE)).astype(np.float32),
                    RATE)
    return path


def test_the_one_long_recording_is_named_as_one(tmp_path: Path) -> None:
    wav = _noise(tmp_path / "u.wav", 1.0)
    with pytest.raises(UserError) as caught:
        recordings_features([wav], 8, RATE, what="validation", max_seconds=0.5)
    said = str(caught.value)
    assert said.startswith(f"the one validation recording is longer than --max-seconds 0.5 ({wav}: 1.0 s); ")
    assert "all 1" not in said and "first" not in said and said.endswith("or cut it into utterances")


def test_several_long_recordings_are_still_counted(tmp_path: Path) -> None:
    wavs = [_noise(tmp_path / f"u{i}.wav", 1.0) for i in range(2)]
    with pytest.raises(UserError, match=r"^all 2 training recordings are longer than --max-seconds 0.5 \(first "):
        recordings_features(wavs, 8, RATE, what="training", max_seconds=0.5)
