"""Gaps a mutation audit of round 28 found in ``--overwrite``'s removal of the old run, now after torchrun's
processes check (:meth:`rnnkit.train.Trainer.fit`)."""

from __future__ import annotations

from pathlib import Path

from rnnkit.train.checkpoint import load_checkpoint
from tests.test_train import make_trainer


def test_a_process_that_writes_nothing_trains_under_overwrite() -> None:
    """Under torchrun every rank but 0 has no output folder; with ``--overwrite`` it must not try to remove the
    old run of a folder it has not got (dropping the ``out_dir is not None`` test was a TypeError on rank 1)."""
    result = make_trainer(None, steps=2, overwrite=True).fit()
    assert result.steps == 2


def test_a_resumed_run_keeps_its_checkpoints_though_overwrite_is_set(tmp_path: Path) -> None:
    """``overwrite`` removes the old run of a fresh start only: a resumed run (step > 0) given it keeps the
    best/ and last/ it resumed from (the removal without ``step == 0`` left no best/ of steps 1 to 4)."""
    make_trainer(tmp_path, steps=8, halt_at=4).fit()
    best = (tmp_path / "best" / "model.safetensors").read_bytes()
    resumed = make_trainer(tmp_path, steps=8, halt_at=5, overwrite=True,
                           resume=load_checkpoint(tmp_path, prefer="last"))
    assert resumed.step == 4
    resumed.fit()
    assert (tmp_path / "best" / "model.safetensors").read_bytes() == best
