"""Gaps a mutation audit of :mod:`rnnkit.report.speech` found (round 15): the spectrogram's time axis tied to the
blank's below it, the symbol's line in the spectrogram's panel, and the model run without a graph on each
utterance's own number of frames."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

pytest.importorskip("plotly")

from rnnkit.report import speech as rsp  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402


def test_the_spectrogram_and_the_blank_share_their_seconds_and_the_marks_are_on_the_spectrogram() -> None:
    fig = rsp.alignment_figure(torch.zeros(4, 3), torch.zeros(2, 3), [("a", 0.04)], 0.04)
    assert fig.layout.xaxis.matches == "x2"  # zooming one zooms the other
    (line,) = fig.layout.shapes
    (mark,) = fig.layout.annotations
    assert (line.xref, line.yref) == ("x", "y domain") and (mark.xref, mark.yref) == ("x", "y")


class Model(nn.Module):
    """Writes 'a' at its first output frame; keeps what it was given and whether autograd was on."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.seen: list[tuple[list[int], bool]] = []

    def forward(self, feats: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.seen.append((lengths.tolist(), torch.is_grad_enabled()))
        log_probs = torch.full((1, 3, 2), -5.0) + self.w
        log_probs[0, 0, 1] = log_probs[0, 1:, 0] = 0.0
        return log_probs, torch.tensor([3])


def test_the_model_reads_each_utterances_frames_without_a_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.tasks.speech as speech

    symbols = SimpleNamespace(symbols=["a"], reference=lambda u: "a", text=lambda ids: "a" * len(ids))
    rec: Any = SimpleNamespace(model=Model(), symbols=symbols, n_mels=4, frame_seconds=0.04, sample_rate=16000)
    utts = [SimpleNamespace(audio=f"u{i}.wav") for i in range(2)]
    monkeypatch.setattr(rsp, "_utterances", lambda rec, data: (utts, "corpus"))
    monkeypatch.setattr(speech, "opening_features",
                        lambda path, n_mels, rate, seconds: (torch.zeros(7 if "0" in str(path) else 9, n_mels), 1.0))
    page = Page("p")
    rsp.add_sections(page, Path("run"), rec, None)
    assert rec.model.seen == [([7], False), ([9], False)]
    assert "<td>u1.wav</td><td>a</td><td>a</td>" in page.sections[0][1]
