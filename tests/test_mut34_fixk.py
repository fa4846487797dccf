"""Mutation round 34 on fixk's work: a task's own name gets no verb hint, and a recording of exactly 30 s is drawn
whole in the speech report, with no note of a cut."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.tasks import verb_hint

pytest.importorskip("plotly")

from rnnkit.report import speech as rsp  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402
from rnnkit.tasks import speech  # noqa: E402
from tests.test_fixk_report_speech_cap import Model  # noqa: E402


def test_a_tasks_own_name_gets_no_hint() -> None:
    assert verb_hint("caption", "rnnkit train") == ""  # a task's name, and a verb of that task's models
    assert "`rnnkit train seq2seq` trains one" in verb_hint("translate", "rnnkit train")


def test_a_recording_of_just_30_seconds_has_no_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    utts = [SimpleNamespace(audio=str(tmp_path / "thirty.wav"))]
    symbols = SimpleNamespace(symbols=["a"], reference=lambda u: "a", text=lambda ids: "")
    rec: Any = SimpleNamespace(model=Model(), symbols=symbols, n_mels=4, frame_seconds=0.01, sample_rate=8000)
    monkeypatch.setattr(rsp, "_utterances", lambda rec, data: (utts, "corpus"))
    monkeypatch.setattr(speech, "opening_features", lambda *a: (torch.zeros(50, 4), speech.SpeechConfig.max_seconds))
    page = Page("p")
    rsp.add_sections(page, Path("run"), rec, None)
    assert rec.model.seen and "its first" not in page.sections[0][1]
