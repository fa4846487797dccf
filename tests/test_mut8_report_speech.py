"""Gaps a mutation audit of :mod:`rnnkit.report.speech` found (round 8): which utterances the section shows and
what each shows, the frames past the model's output length, and the figure's axes and marks, against a stand-in
recogniser whose CTC output is written by hand."""

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

#: per output frame, the class written (0 blank, 1 'a', 2 '<'): a, blank, <, <, then 2 frames past the length
BEST = [1, 0, 2, 2, 1, 2]


class FakeModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.seen: list[tuple[int, ...]] = []

    def forward(self, feats: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.seen.append(tuple(feats.shape))
        probs = torch.full((len(BEST), 3), 0.1)
        probs[torch.arange(len(BEST)), torch.tensor(BEST)] = 0.8
        return probs.log().unsqueeze(0), torch.tensor([4])


class Symbols:
    symbols = ["a", "<"]

    def reference(self, u: Any) -> str:
        return f"ref of {Path(u.audio).stem}"

    def text(self, ids: list[int]) -> str:
        return "".join(self.symbols[i] for i in ids)


def _rec() -> Any:
    return SimpleNamespace(model=FakeModel(), symbols=Symbols(), n_mels=5, frame_seconds=0.04, sample_rate=16000)


def _section(monkeypatch: pytest.MonkeyPatch, rec: Any, count: int) -> tuple[str, str]:
    import rnnkit.tasks.speech as speech

    utts = [SimpleNamespace(audio=f"/c/wav/u{i}.wav") for i in range(count)]
    monkeypatch.setattr(rsp, "_utterances", lambda rec, data: (utts, "corpus<1>"))
    monkeypatch.setattr(speech, "opening_features", lambda path, n_mels, rate, seconds: (
        torch.arange(7 * n_mels, dtype=torch.float32).view(7, n_mels), 0.07))
    page = Page("p")
    rsp.add_sections(page, Path("run"), rec, None)
    assert len(page.sections) == 1
    return page.sections[0]


def test_the_first_three_utterances_with_reference_transcript_and_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = _rec()
    title, body = _section(monkeypatch, rec, 5)
    assert title == "CTC alignment" and rec.model.seen == [(1, 7, 5)] * 3  # the features of the run's n_mels
    assert '<p class="note">the first 3 of corpus&lt;1&gt;; greedy decoding</p>' in body
    # the output's first 4 frames (its length): 'a' at frame 0 and '<' at frame 2, not the two past the length
    assert ("<tr><th>audio</th><th>reference</th><th>transcript</th></tr><tr><td>u1.wav</td><td>ref of u1</td>"
            "<td>a&lt;</td></tr>") in body
    assert [f'id="alignment-{i}"' in body for i in range(4)] == [True, True, True, False]
    assert '"text":"&lt;","x":0.08,' in body  # '<' marked at output frame 2 of 40 ms (the model's frame_seconds)
    _, body = _section(monkeypatch, _rec(), 1)
    assert "the first 1 of" in body and 'id="alignment-1"' not in body


def test_a_given_corpus_is_read_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.data.speech as speech

    monkeypatch.setattr(speech, "read_manifest", lambda data: ["u"] if data == "given" else pytest.fail())
    assert rsp._utterances(None, "given") == (["u"], "given")


def test_the_figure_puts_the_spectrogram_on_seconds_and_the_blanks_probability_below() -> None:
    feats = torch.arange(12, dtype=torch.float32).view(4, 3)  # 4 frames of 3 mels
    lp = torch.tensor([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]).log()
    fig = rsp.alignment_figure(feats, lp, [("<a>", 0.04)], 0.04)
    spec, blank = fig.data
    assert [list(r) for r in spec.z] == [[0.0, 3.0, 6.0, 9.0], [1.0, 4.0, 7.0, 10.0], [2.0, 5.0, 8.0, 11.0]]
    assert list(spec.x) == pytest.approx([0.0, 0.01, 0.02, 0.03])  # the features' 10 ms hop
    assert list(blank.x) == pytest.approx([0.0, 0.04]) and list(blank.y) == pytest.approx([0.5, 0.1])
    (mark,) = fig.layout.annotations
    assert (mark.text, mark.x, mark.y) == ("&lt;a&gt;", 0.04, 2)  # at the top mel bin
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 0.04
    assert tuple(fig.layout.yaxis2.range) == (0, 1.05)
