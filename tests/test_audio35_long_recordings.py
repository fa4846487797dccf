"""A recording much longer than the rest in a speech manifest (audio35): a batch is padded to its longest recording,
so one of an hour among second-long ones made every utterance of its batch an hour long and took the machine's
memory without a word. Training and validation recordings longer than ``--max-seconds`` (default 30) are left out
with one warning that counts them and names the first; a run none of whose recordings is short enough is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning, UserError
from rnnkit.tasks._speech_config import FROZEN, SpeechConfig
from rnnkit.tasks._speech_data import recordings_features

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RATE = 8000
TINY = ["--symbols", "chars", "--sample-rate", str(RATE), "--hidden", "4", "--layers", "1", "--n-mels", "8",
        "--batch-size", "4", "--steps", "1", "--eval-utterances", "1", "--no-progress"]


def _corpus(folder: Path, seconds: list[float]) -> Path:
    """A corpus folder of noise recordings of ``seconds`` each, transcribed 'ab', 'ba', ..."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = ["audio\ttext"]
    for i, length in enumerate(seconds):
        soundfile.write(folder / f"u{i}.wav", 0.1 * rng.standard_normal(int(length * RATE)).astype(np.float32), RATE)
        rows.append(f"u{i}.wav\t{'ab' if i % 2 else 'ba'}")
    (folder / "manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _trained_utterances(out: Path) -> tuple[int, int]:
    data = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["data"]
    return data["train_utterances"], data["val_utterances"]


def test_a_recording_over_the_default_limit_is_left_out_of_training_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _corpus(tmp_path / "calls", [0.4] * 5 + [31.0])
    val = _corpus(tmp_path / "val", [0.4, 0.4])
    out = tmp_path / "asr"
    assert main(["train", "speech", "--data", str(data), "--val-data", str(val), "--out", str(out), *TINY]) == 0
    err = capsys.readouterr().err
    assert "1 of 6 training recordings are longer than --max-seconds 30, left out" in err
    assert f"(first {data / 'u5.wav'}: 31.0 s)" in err and "--max-seconds (0: no limit)" in err
    assert _trained_utterances(out) == (5, 2)


def test_a_long_validation_recording_is_left_out_too_and_no_limit_keeps_every_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _corpus(tmp_path / "calls", [0.4] * 4)
    val = _corpus(tmp_path / "val", [0.4, 2.0])
    args = ["train", "speech", "--data", str(data), "--val-data", str(val), *TINY]
    assert main([*args, "--out", str(tmp_path / "a"), "--max-seconds", "1.5"]) == 0
    assert "1 of 2 validation recordings are longer than --max-seconds 1.5, left out" in capsys.readouterr().err
    assert _trained_utterances(tmp_path / "a") == (4, 1)
    assert main([*args, "--out", str(tmp_path / "b"), "--max-seconds", "0"]) == 0
    assert "--max-seconds" not in capsys.readouterr().err
    assert _trained_utterances(tmp_path / "b") == (4, 2)


def test_a_corpus_of_only_long_recordings_is_refused_before_a_run_folder_exists(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _corpus(tmp_path / "calls", [0.4, 0.4])
    out = tmp_path / "asr"
    assert main(["train", "speech", "--data", str(data), "--val-data", str(data), "--out", str(out), *TINY,
                 "--max-seconds", "0.2"]) == 2
    err = capsys.readouterr().err
    assert f"all 2 training recordings are longer than --max-seconds 0.2 (first {data / 'u0.wav'}: 0.4 s)" in err
    assert not (out / "best").exists()


def test_a_long_recording_gets_no_features(tmp_path: Path) -> None:
    """Its features are not computed (an hour's STFT alone is gigabytes): the caller leaves it out."""
    data = _corpus(tmp_path / "calls", [0.4, 1.0])
    with pytest.warns(RnnkitWarning, match=r"1 of 2 training recordings are longer than --max-seconds 0.5"):
        feats, _ = recordings_features([data / "u0.wav", data / "u1.wav"], 8, RATE, what="training", max_seconds=0.5)
    assert len(feats[0]) == 1 and feats[1] == []
    with pytest.raises(UserError, match="the one validation recording is longer"):
        recordings_features([data / "u1.wav"], 8, RATE, what="validation", max_seconds=0.5)


def test_the_limit_is_checked_and_kept_by_a_resumed_run() -> None:
    assert SpeechConfig().max_seconds == 30.0 and "max_seconds" in FROZEN
    for bad in (-1.0, float("inf"), "30"):
        with pytest.raises(UserError, match="max_seconds"):
            SpeechConfig(max_seconds=bad).validate()  # type: ignore[arg-type]
