"""Speed perturbation makes three copies of every training recording: a recording at another rate than the
model's was resampled to it three times (once a speed), the costliest step of reading a corpus of 8 kHz calls
into a 16 kHz model, for the same samples each time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.tasks import _speech_data


def test_a_recording_is_resampled_to_the_models_rate_once_for_all_speeds(monkeypatch: pytest.MonkeyPatch) -> None:
    wave = (0.3 * np.sin(np.arange(4000) / 5)).astype(np.float32)
    monkeypatch.setattr(_speech_data, "read_audio", lambda path: (wave, 8000))
    calls: list[tuple[int, int]] = []
    real = _speech_data.resample
    monkeypatch.setattr(_speech_data, "resample",
                        lambda w, rate, target: calls.append((rate, target)) or real(w, rate, target))
    feats, low = _speech_data.recordings_features([Path("call.wav")], 20, 16000, (0.9, 1.0, 1.1))
    assert [c for c in calls if c[0] == 8000] == [(8000, 16000)]  # was three times
    assert sorted(c for c in calls if c[0] != 8000 and c[0] != c[1]) == [(14400, 16000), (17600, 16000)]
    plain = _speech_data.log_mel(real(wave, 8000, 16000), 16000, 20)
    assert len(feats[0]) == 3 and torch.equal(feats[0][1], plain) and low == [(Path("call.wav"), 8000)]
