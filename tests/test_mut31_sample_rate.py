"""Mutation round 31 of train speech --sample-rate: what no test held before.

A resumed run's own rate (an 8 kHz run's, or 16000 of a run saved before the setting) goes on and stays; features
are computed at the model's rate for training, validation, transcribe's helpers, the report, and each speed of
--speed-perturb; the low-rate warning counts every recording given, not only the low ones; transcribe prints no
training progress lines."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks import _speech_data
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import features_of, recordings_features, warn_low_rates

soundfile = pytest.importorskip("soundfile")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--symbols", "chars", "--hidden", "8", "--layers", "1", "--batch-size", "2", "--n-mels", "20",
        "--no-progress", "--eval-utterances", "1", "--val-fraction", "0.34"]


def _call(path: Path, rate: int, seconds: float = 0.5, pitch: int = 300) -> Path:
    n = int(rate * seconds)
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * pitch * np.arange(n) / rate)).astype(np.float32), rate)
    return path


def test_a_resumed_run_keeps_its_own_rate_or_the_16000_it_had_before_the_setting() -> None:
    SpeechConfig(sample_rate=8000).validate(saved={"sample_rate": 8000, "n_mels": 80})  # an 8 kHz run resumed
    SpeechConfig().validate(saved={"n_mels": 80})  # a run saved before --sample-rate, resumed as it was


def test_features_are_computed_at_the_models_rate_at_every_speed(tmp_path: Path) -> None:
    """Half a second at 8 kHz or 16 kHz is 51 frames of 10 ms at an 8 kHz model's rate; 0.9 and 1.1 times as fast
    about 56 and 46 (speed perturbation resamples from the model's rate, not 16000's)."""
    calls = [_call(tmp_path / "8k.wav", 8000), _call(tmp_path / "16k.wav", 16000)]
    feats, low = recordings_features(calls, 20, 8000, speeds=(0.9, 1.0, 1.1))
    assert [[f.shape for f in copies] for copies in feats] == [[(56, 20), (51, 20), (46, 20)]] * 2 and low == []
    assert torch.equal(features_of(calls[0], 20, sample_rate=8000), feats[0][1])


def test_the_warning_counts_every_recording_given() -> None:
    with pytest.warns(RnnkitWarning, match=r"1 of 3 recordings are sampled below the model's 16000 Hz"):
        warn_low_rates([(Path("call.wav"), 8000)], 3, 16000)


def test_an_8k_run_trains_at_8000_and_its_resume_stays_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Resumed, it keeps 8000 (another --sample-rate refused, as every setting of the model's shape is)."""
    (tmp_path / "calls").mkdir()
    calls = [_call(tmp_path / "calls" / f"{i}.wav", 8000, 0.25, 300 + 100 * i) for i in range(3)]
    rows = [f"{call.name}\t{'ab'[i % 2]}" for i, call in enumerate(calls)]
    (tmp_path / "calls" / "manifest.tsv").write_text("audio\ttext\n" + "\n".join(rows) + "\n", encoding="utf-8")
    rates: list[int] = []
    real = _speech_data.log_mel
    monkeypatch.setattr(_speech_data, "log_mel", lambda wave, rate, n: rates.append(rate) or real(wave, rate, n))
    out = tmp_path / "run"
    assert main(["train", "speech", "--data", str(tmp_path / "calls"), "--out", str(out), "--sample-rate", "8000",
                 "--steps", "1", *TINY]) == 0
    assert rates and set(rates) == {8000}  # training's and validation's features
    rates.clear()
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0
    assert rates and set(rates) == {8000}
    assert json.loads((out / "last" / "config.json").read_text())["settings"]["sample_rate"] == 8000
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "3", "--sample-rate", "16000"]) == 2
    assert "--sample-rate 16000" in capsys.readouterr().err and rates == [8000] * len(rates)


def test_the_report_computes_features_at_the_models_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("plotly")
    import rnnkit.tasks.speech as speech
    from rnnkit.report import speech as rsp
    from rnnkit.report.page import Page

    asked: list[dict[str, Any]] = []
    rec: Any = SimpleNamespace(model=lambda feats, lengths: (torch.zeros(1, 2, 2), torch.tensor([2])), n_mels=4,
                               symbols=SimpleNamespace(symbols=["a"], reference=lambda u: "a", text=lambda ids: "a"),
                               frame_seconds=0.04, sample_rate=8000)
    monkeypatch.setattr(rsp, "_utterances", lambda rec, data: ([SimpleNamespace(audio="u.wav")], "corpus"))
    monkeypatch.setattr(rsp, "model_device", lambda model: torch.device("cpu"))
    monkeypatch.setattr(speech, "opening_features",
                        lambda path, n_mels, rate, seconds: asked.append(rate) or (torch.zeros(5, n_mels), 1.0))
    rsp.add_sections(Page("p"), Path("run"), rec, None)
    assert asked == [8000]


def test_transcribes_features_print_no_progress_lines(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Only training's and validation's (``what`` given) say 'features: 2000 / N'; transcribe of 2,000 files none."""
    monkeypatch.setattr(_speech_data, "read_audio", lambda path: (np.full(160, 0.1, np.float32), 16000))  # not silent
    monkeypatch.setattr(_speech_data, "_wave_features", lambda *args: torch.zeros(2, 20))
    recordings_features(["call.wav"] * 2000, 20, 16000)
    assert capsys.readouterr().err == ""
    recordings_features(["call.wav"] * 2000, 20, 16000, what="training")
    assert capsys.readouterr().err == "  features: 2000 / 2000 training utterances\n"
