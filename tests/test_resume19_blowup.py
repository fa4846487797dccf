"""A resumed run checks ``blowup`` against the run's first loss, as the unbroken run does, not against its own
first update after the resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train import TrainConfig, Trainer
from rnnkit.train.checkpoint import load_checkpoint
from tests import test_train as tt

LOSSES = [4.0, 1.0, 1.0, 5.0, 1.0, 1.0]  # 5 is over 2x the first (4) only from a resume at step 2


def scripted(m: torch.nn.Module, batch: int, state: None) -> tuple:
    return m.weight.sum() * 0 + LOSSES[batch], 1, None


def trainer(out: Path, resume: bool = False, **cfg) -> Trainer:
    model = torch.nn.Linear(1, 1, bias=False)
    config = TrainConfig(**{"steps": len(LOSSES), "optimizer": "sgd", "lr": 0.0, "schedule": "constant",
                            "blowup": 2.0, "on_diverge": "stop", "progress": False, "verbose": False, **cfg})
    return Trainer(model, config, batches=tt._ListBatches(list(range(len(LOSSES)))), loss_fn=scripted, out_dir=out,
                   model_config={"task": "test"}, resume=load_checkpoint(out, prefer="last") if resume else None)


def test_a_resumed_run_measures_blowup_from_the_runs_first_loss(tmp_path: Path) -> None:
    assert trainer(tmp_path / "straight").fit().stopped == "steps"
    assert trainer(tmp_path / "resumed", halt_at=2).fit().stopped == "halt_at"
    resumed = trainer(tmp_path / "resumed", resume=True)
    assert resumed.first_loss == 4.0
    assert resumed.fit().stopped == "steps"


@pytest.mark.parametrize("damaged", ["NaN", "Infinity", '"four"', "[4]"])
def test_a_damaged_first_loss_is_refused_naming_the_file(tmp_path: Path, damaged: str) -> None:
    out = tmp_path / "run"
    trainer(out, halt_at=2).fit()
    state = out / "last" / "trainer_state.json"
    state.write_text(state.read_text().replace('"first_loss": 4.0', f'"first_loss": {damaged}'))
    assert f'"first_loss": {damaged}' in state.read_text()
    with pytest.raises(UserError, match=r"trainer_state.json: not the state of a run"):
        trainer(out, resume=True)


def test_a_run_saved_before_the_first_loss_was_kept_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer(out, halt_at=2).fit()
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({k: v for k, v in json.loads(state.read_text()).items() if k != "first_loss"}))
    resumed = trainer(out, resume=True)
    assert resumed.first_loss is None
    assert resumed.fit().stopped == "diverged"  # as such a run did: measured from its first update after the resume
