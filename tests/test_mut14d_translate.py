"""``rnnkit train seq2seq``: what the run records of its data (mutation audit round 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_config_counts_the_training_and_the_validation_pairs(tmp_path: Path) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 2)}\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "4", "--embedding", "4",
                 "--steps", "1", "--val-fraction", "0.25", "--no-progress", "--save-minutes", "0"]) == 0
    recorded = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["data"]
    assert (recorded["train_pairs"], recorded["val_pairs"]) == (15, 5)
    assert recorded["val"] is None  # split from --data, no file of its own
