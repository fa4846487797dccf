"""fixk: `train speech --max-seconds` built its symbol table before the recordings over the limit were left out, so a
symbol that only they use became a class the model never trained on (and wrote nothing for). The table is now built
from the recordings kept; a resumed run keeps its own (``max_seconds`` is frozen, so it leaves the same ones out)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RATE = 8000
TINY = ["--symbols", "chars", "--sample-rate", str(RATE), "--hidden", "4", "--layers", "1", "--n-mels", "8",
        "--batch-size", "4", "--steps", "1", "--eval-utterances", "1", "--no-progress", "--max-seconds", "1"]


def _corpus(folder: Path, rows: list[tuple[float, str]]) -> Path:
    """A corpus folder of noise recordings, each of the given seconds and transcript."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, (seconds, _) in enumerate(rows):
        soundfile.write(folder / f"u{i}.wav", 0.1 * rng.standard_normal(int(seconds * RATE)).astype(np.float32), RATE)
    lines = ["audio\ttext", *(f"u{i}.wav\t{text}" for i, (_, text) in enumerate(rows))]
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _symbols(run: Path) -> list[str]:
    return json.loads((run / "best" / "vocab.json").read_text(encoding="utf-8"))["symbols"]


def test_a_symbol_only_a_left_out_recording_uses_is_no_class(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _corpus(tmp_path / "calls", [(0.4, "ab"), (0.4, "ba"), (0.4, "ab"), (2.0, "abz")])
    val = _corpus(tmp_path / "val", [(0.4, "ab")])
    out = tmp_path / "asr"
    assert main(["train", "speech", "--data", str(data), "--val-data", str(val), "--out", str(out), *TINY]) == 0
    err = capsys.readouterr().err
    assert "1 of 4 training recordings are longer than --max-seconds 1, left out" in err
    assert _symbols(out) == ["a", "b"]
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["n_symbols"] == 2
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "symbols the model does not write" not in err and _symbols(out) == ["a", "b"]
