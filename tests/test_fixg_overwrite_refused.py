"""`--overwrite` under torchrun (fixg): the old run in ``--out`` was removed before torchrun's check that every
process read the same data (``check_alike``) could refuse the run, so the refusal lost the user's old run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train import distributed
from tests.test_walk32_distributed import PER_RANK

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TRAIN = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
         "--steps", "1", "--no-progress"]


def _text(path: Path, chars: int = 3000) -> Path:
    rng = random.Random(0)
    path.write_text("".join(rng.choice("abcdefgh \n") for _ in range(chars)), encoding="utf-8")
    return path


def _files(out: Path) -> dict[str, bytes]:
    """Every file of ``out`` but the run lock (which names the process that took it last)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_an_overwrite_run_refused_by_the_processes_check_keeps_the_old_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Single process, with the check's refusal standing in for torchrun's: OUT as it was, byte for byte."""
    data, out = _text(tmp_path / "t.txt"), tmp_path / "run"
    assert main([*TRAIN, "--data", str(data), "--out", str(out)]) == 0
    before = _files(out)
    assert "best/model.safetensors" in before

    def refused(*args: object) -> None:
        raise UserError("--data: rank 1 read other content than rank 0")

    monkeypatch.setattr(distributed, "parallel", refused)
    capsys.readouterr()
    assert main([*TRAIN, "--data", str(data), "--out", str(out), "--overwrite"]) == 2
    assert "rank 1 read other content" in capsys.readouterr().err
    assert _files(out) == before


@pytest.mark.slow  # torchrun starts two processes: ~8 s
def test_torchrun_refusing_an_overwrite_run_keeps_the_old_run(tmp_path: Path) -> None:
    mine, theirs = _text(tmp_path / "a.txt"), _text(tmp_path / "b.txt", 3001)
    out = tmp_path / "run"
    assert main([*TRAIN, "--data", str(mine), "--out", str(out)]) == 0
    before = _files(out)
    script = tmp_path / "per_rank.py"
    script.write_text(PER_RANK, encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(script), str(mine), str(theirs), *TRAIN, "--out", str(out), "--overwrite"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "rnnkit: error: --data: rank 1 read other content than rank 0" in done.stderr, done.stderr[-2000:]
    assert _files(out) == before
