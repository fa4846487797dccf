"""fixk: `rnnkit report` of a speech run drew the whole of each of its first utterances, so an hour-long recording
gave a figure of 360,000 frames (and its features' gigabytes to compute). It now draws and transcribes at most the
first 30 s of each (``--max-seconds``'s default), and says so under the utterance's row."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import soundfile
import torch
from torch import nn

pytest.importorskip("plotly")

from rnnkit.report import speech as rsp  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402
from rnnkit.tasks.speech import SpeechConfig, opening_features  # noqa: E402

RATE = 8000


class Model(nn.Module):
    """Writes the blank at every output frame (one a frame); keeps how many frames it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.seen: list[int] = []

    def forward(self, feats: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.seen.append(int(lengths[0]))
        return torch.zeros(1, 2, 2).log_softmax(-1), torch.tensor([2])


def _recording(path: Path, seconds: float) -> Path:
    soundfile.write(path, np.zeros(int(seconds * RATE), np.float32), RATE)
    return path


def test_opening_features_are_of_the_first_seconds_alone(tmp_path: Path) -> None:
    feats, seconds = opening_features(_recording(tmp_path / "a.wav", 3.0), 4, RATE, 1.0)
    whole, _ = opening_features(tmp_path / "a.wav", 4, RATE, 5.0)
    assert seconds == 3.0 and 299 <= whole.shape[0] <= 301 and 99 <= feats.shape[0] <= 101


def test_the_report_draws_the_first_30_seconds_of_a_long_recording_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    utts = [SimpleNamespace(audio=str(_recording(tmp_path / "long.wav", 31.5))),
            SimpleNamespace(audio=str(_recording(tmp_path / "short.wav", 0.5)))]
    symbols = SimpleNamespace(symbols=["a"], reference=lambda u: "a", text=lambda ids: "")
    rec: Any = SimpleNamespace(model=Model(), symbols=symbols, n_mels=4, frame_seconds=0.01, sample_rate=RATE)
    monkeypatch.setattr(rsp, "_utterances", lambda rec, data: (utts, "corpus"))
    page = Page("p")
    rsp.add_sections(page, Path("run"), rec, None)
    assert SpeechConfig.max_seconds == 30.0 and 2990 <= rec.model.seen[0] <= 3001 and rec.model.seen[1] < 60
    body = page.sections[0][1]
    assert body.count('<p class="note">its first') == 1
    assert "its first 30 s of 31.5 s, drawn and transcribed (at most 30 s, --max-seconds's default)" in body
