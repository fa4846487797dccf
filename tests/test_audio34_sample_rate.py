"""Telephone audio: ``rnnkit train speech --sample-rate 8000`` computes the features at the calls' own rate (they
were always computed at 16 kHz, the top quarter of the bands resampling leakage scaled up to unit variance), kept
in the run's settings for transcribe and evaluate; a recording below the model's rate is named in one warning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import _speech_data
from rnnkit.tasks._speech_config import SpeechConfig

soundfile = pytest.importorskip("soundfile")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--symbols", "chars", "--hidden", "8", "--layers", "1", "--steps", "1", "--batch-size", "2", "--n-mels", "20",
        "--no-progress", "--eval-utterances", "1", "--val-fraction", "0.34"]


def _calls(folder: Path, rate: int = 8000) -> Path:
    """Six half-second calls at ``rate``, as FLAC and MP3 (a call centre's exports), and their manifest."""
    folder.mkdir()
    lines = ["audio\ttext"]
    for i in range(6):
        tone = (0.3 * np.sin(2 * np.pi * (300 + 100 * i) * np.arange(rate // 2) / rate)).astype(np.float32)
        name = f"call {i}.{'flac' if i % 2 else 'mp3'}"
        soundfile.write(folder / name, tone, rate, format="FLAC" if i % 2 else "MP3")
        lines.append(f"{name}\t{'ab'[i % 2]}{'cd'[i % 3 % 2]}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The calls, a model trained on them at 8 kHz and one at the default 16 kHz."""
    root = tmp_path_factory.mktemp("calls")
    calls = _calls(root / "calls")
    for out, rate in (("run8", ["--sample-rate", "8000"]), ("run16", [])):
        assert main(["train", "speech", "--data", str(calls), "--out", str(root / out), *TINY, *rate]) == 0
    return calls, root / "run8", root / "run16"


def test_8000_is_saved_and_transcribe_computes_its_features_there(runs: tuple[Path, Path, Path],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    calls, run8, _ = runs
    settings = json.loads((run8 / "best" / "config.json").read_text())["settings"]
    assert settings["sample_rate"] == 8000
    rates = []
    real = _speech_data.log_mel
    monkeypatch.setattr(_speech_data, "log_mel", lambda wave, rate, n: rates.append(rate) or real(wave, rate, n))
    capsys.readouterr()
    assert main(["transcribe", str(run8), str(calls / "call 1.flac"), str(calls / "call 2.mp3")]) == 0
    assert rates == [8000, 8000]
    assert "sampled below" not in capsys.readouterr().err  # the calls are at the model's rate
    assert main(["evaluate", str(run8), "--data", str(calls)]) == 0
    assert rates[2:] == [8000] * 6


def test_a_16k_model_warns_once_of_8k_calls(runs: tuple[Path, Path, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    calls, _, run16 = runs
    assert main(["transcribe", str(run16), str(calls / "call 1.flac"), str(calls / "call 3.flac")]) == 0
    err = capsys.readouterr().err
    assert err.count("rnnkit: warning:") == 1
    assert (f"2 of 2 recordings are sampled below the model's 16000 Hz (first {calls / 'call 1.flac'}: 8000 Hz): "
            "their mel bands above 4000 Hz hold no sound") in err and "--sample-rate 8000" in err
    assert main(["train", "speech", "--data", str(calls), "--out", str(tmp_path / "again"), *TINY]) == 0
    err = capsys.readouterr().err
    assert err.count("sampled below") == 1 and "6 of 6 recordings" in err  # training and validation together


def test_a_run_saved_before_the_setting_reads_16000(runs: tuple[Path, Path, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    calls, _, run16 = runs
    old = tmp_path / "old"
    shutil.copytree(run16, old)
    for sub in ("best", "last"):
        path = old / sub / "config.json"
        config = json.loads(path.read_text())
        del config["settings"]["sample_rate"]
        path.write_text(json.dumps(config))
    assert rnnkit.load(old).sample_rate == 16000
    assert main(["train", "speech", "--resume", str(old), "--sample-rate", "8000", "--steps", "2"]) != 0
    assert "--sample-rate 8000: the resumed run was saved before --sample-rate" in capsys.readouterr().err
    config = json.loads((old / "best" / "config.json").read_text())
    config["settings"]["sample_rate"] = "8k"
    (old / "best" / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match=r"config.json: settings.sample_rate '8k': expected an integer from 1000"):
        rnnkit.load(old / "best")


def test_models_of_other_rates_make_no_ensemble(runs: tuple[Path, Path, Path]) -> None:
    _, run8, run16 = runs
    with pytest.raises(UserError, match=r"run16/best: it computes its features at 16000 Hz \(sample_rate=16000\) "
                                        r"where .*run8/best computes its features at 8000 Hz"):
        rnnkit.load(run8).ensemble(run16)


@pytest.mark.parametrize(("settings", "said"), [({"sample_rate": 0}, "expected an integer from 1000 to 768000"),
                                                ({"sample_rate": True}, "expected an integer"),
                                                ({"sample_rate": 8000, "n_mels": 100}, "at most 86 for 8000 Hz")])
def test_the_rate_and_the_mel_count_at_it_are_checked(settings: dict[str, object], said: str) -> None:
    with pytest.raises(SettingError, match=said):
        SpeechConfig(**settings).validate()  # type: ignore[arg-type]
    SpeechConfig(sample_rate=8000).validate()  # 80 bands fit an 8 kHz signal's 256-point FFT


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_ngs_16k_corpus_trains_at_8000(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit data speech` writes 16 kHz: a telephone model reads it resampled down, without a warning."""
    from rnnkit.data.speech_corpus import build_corpus

    build_corpus(tmp_path / "c", "en", words=3, phrases=0, takes=1, seed=0, progress=False)
    out = tmp_path / "run"
    assert main(["train", "speech", "--data", str(tmp_path / "c"), "--out", str(out), "--sample-rate", "8000",
                 *TINY[:-2]]) == 0  # its own val/
    test = sorted((tmp_path / "c" / "test").rglob("*.wav"))[0]
    assert main(["transcribe", str(out), str(test), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["file"] == str(test) and "sampled below" not in captured.err
    assert rnnkit.load(out).sample_rate == 8000
