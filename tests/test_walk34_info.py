"""`rnnkit info` of a Korean recogniser says what its ids are: jamo or not (a language model for `--lm` must be of
jamo when the recogniser writes them), where `settings.jamo` reads None when the transcripts decided it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main

soundfile = pytest.importorskip("soundfile")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_info_says_a_recogniser_writes_hangul_as_jamo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "calls"
    data.mkdir()
    for i, name in enumerate(("a.wav", "b.wav")):
        soundfile.write(data / name, 0.2 * np.sin(np.arange(8000) / (3.0 + i)), 8000, subtype="PCM_16")
    (data / "manifest.tsv").write_text("audio\ttext\na.wav\t네 택배\nb.wav\tOTP 번호\n", encoding="utf-8")
    out = tmp_path / "asr"
    assert main(["train", "speech", "--data", str(data), "--out", str(out), "--symbols", "chars", "--steps", "1",
                 "--hidden", "4", "--layers", "1", "--val-fraction", "0", "--no-progress"]) == 0
    symbols = json.loads((out / "best" / "vocab.json").read_text(encoding="utf-8"))["symbols"]
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = f"vocabulary       {len(symbols) + 1}: {len(symbols)} chars (Hangul as jamo) and the CTC blank"
    assert row in lines
    assert main(["info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["writes"] == {"kind": "chars", "jamo": True}
