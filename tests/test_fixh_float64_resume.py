"""A checkpoint saved in float64 (fixh): a notebook that had called ``torch.set_default_dtype(torch.float64)``
before rnnkit.fit built float32 models (5c6dd8e) saved its run in float64; ``rnnkit train --resume`` then failed
inside torch's kernel (``get_mkldnn_dtype: unsupported data type``) on the carried state, which a bf16 run keeps
as saved. It now resumes in float32, the dtype of the model it builds, and says so in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TRAIN = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
         "--precision", "bf16", "--no-progress"]


def _dtypes(path: Path) -> set[str]:
    with safe_open(str(path), "pt") as f:
        return {str(f.get_slice(k).get_dtype()) for k in f.keys()}


def test_a_float64_run_resumes_in_float32_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "t.txt", tmp_path / "run"
    data.write_text("abcdefgh abc def\n" * 150, encoding="utf-8")
    was = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # as the notebook's session was
    try:
        assert main([*TRAIN, "--steps", "2", "--data", str(data), "--out", str(out)]) == 0
    finally:
        torch.set_default_dtype(was)
    assert _dtypes(out / "last" / "model.safetensors") == {"F64"}
    capsys.readouterr()
    assert main([*TRAIN, "--steps", "4", "--resume", str(out)]) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "float64" in line]
    assert said == [f"{out / 'last'}: its weights are float64; this run trains them in float32"], err
    assert _dtypes(out / "last" / "model.safetensors") == {"F32"}
