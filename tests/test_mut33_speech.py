"""Mutation audit round 33 of train speech's --max-seconds (audio35): the limit is measured in the recording's own
seconds (its own rate, before resampling to --sample-rate), and a recording exactly that long is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._speech_data import recordings_features

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_limit_counts_a_recordings_own_seconds_and_keeps_one_exactly_that_long(tmp_path: Path) -> None:
    """16-kHz recordings read for an 8-kHz model: 0.4 s and 0.5 s are kept under --max-seconds 0.5, 0.6 s is
    left out and named with its own length."""
    paths = []
    for i, seconds in enumerate([0.4, 0.5, 0.6]):
        paths.append(tmp_path / f"u{i}.wav")
        soundfile.write(paths[-1], np.zeros(int(seconds * 16000), np.float32), 16000)
    with pytest.warns(RnnkitWarning, match=rf"1 of 3 training recordings .* \(first {paths[2]}: 0\.6 s\)"):
        feats, _ = recordings_features(paths, 8, 8000, what="training", max_seconds=0.5)
    assert [len(f) for f in feats] == [1, 1, 0]
