"""A bad recording listed in a manifest (empty, truncated, not audio) is refused naming the manifest and its line
before the recording and the reader's reason: it was refused naming the recording only, so a user with thousands of
lines had to search the manifest for it. The reason is what :func:`rnnkit.data.audio_read.read_audio` says of the
file given alone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.cli import main
from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks._speech_data import SymbolTable
from rnnkit.tasks._speech_trained import Transcriber
from rnnkit.train.checkpoint import save_checkpoint

soundfile = pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
pytestmark = pytest.mark.usefixtures("one_torch_thread")
RATE = 16000


def _corpus(folder: Path, n: int = 4) -> Path:
    """``n`` half-second tones listed as ``a`` or ``b``, one a line after the header (line i + 2 lists i.wav)."""
    folder.mkdir(parents=True)
    t = np.arange(RATE // 2) / RATE
    lines = ["audio\ttext"]
    for i in range(n):
        wave = (0.5 * np.sin(2 * math.pi * (300 + 200 * i) * t)).astype(np.float32)
        soundfile.write(str(folder / f"{i}.wav"), wave, RATE, subtype="PCM_16")
        lines.append(f"{i}.wav\t{'ab'[i % 2]}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _spoil(wav: Path, how: str) -> None:
    data = wav.read_bytes()
    wav.write_bytes({"empty": b"", "truncated": data[:100], "not audio": b"not audio at all\n"}[how])


def _reason(wav: Path) -> str:
    with pytest.raises(UserError) as refused:
        read_audio(wav)
    return str(refused.value)


@pytest.mark.parametrize("how", ["empty", "truncated", "not audio"])
def test_training_names_the_manifest_line_of_a_bad_recording(tmp_path: Path, how: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _corpus(tmp_path / "c")
    _spoil(corpus / "2.wav", how)
    reason = _reason(corpus / "2.wav")
    code = main(["train", "speech", "--data", str(corpus), "--out", str(tmp_path / "run"), "--symbols", "chars",
                 "--val-fraction", "0", "--hidden", "8", "--layers", "1", "--n-mels", "16", "--steps", "1",
                 "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1] == f"rnnkit: error: {corpus / 'manifest.tsv'}:4: {reason}", err
    assert not (tmp_path / "run" / "best").exists()


def _recogniser(tmp_path: Path) -> Transcriber:
    torch.manual_seed(0)
    net = SpeechRecognizer(n_features=16, n_symbols=2, hidden=8, layers=1, subsample=2)
    return Transcriber(save_checkpoint(tmp_path / "model", model_state=net.state_dict(),
                                       config={"task": "speech", "model": net._config},
                                       vocab=SymbolTable("chars", ["a", "b"]).to_json()))


def test_evaluate_names_the_manifest_line_and_transcribe_the_file(tmp_path: Path) -> None:
    rec = _recogniser(tmp_path)
    corpus = _corpus(tmp_path / "c")
    _spoil(corpus / "1.wav", "truncated")
    reason = _reason(corpus / "1.wav")
    with pytest.raises(UserError) as refused:
        rec.evaluate(corpus)
    assert str(refused.value) == f"{corpus / 'manifest.tsv'}:3: {reason}"
    with pytest.raises(UserError) as alone:  # a file given by itself is listed nowhere: named as the reader names it
        rec.transcribe([corpus / "0.wav", corpus / "1.wav"])
    assert str(alone.value) == reason
