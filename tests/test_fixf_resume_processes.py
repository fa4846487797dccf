"""Resuming with another number of processes names what that number fixed for the run at hand: the character LM's
streams and carried state, split among the processes, or any other task's batches, one a process in each update
(the refusal once said "its streams and carried state are split N ways" for classify, tag, translate ... which
have neither); and the way on: ``--init-from`` where the task's settings have it, else a new run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train import TrainConfig, Trainer
from rnnkit.train.checkpoint import load_checkpoint


class Batches:
    """A source without ``shard``: read rank-strided under torchrun, as classify's batches are."""

    def next_batch(self) -> torch.Tensor:
        return torch.ones(2, 3)

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def _loss(model: torch.nn.Module, batch: torch.Tensor, state: object) -> tuple[torch.Tensor, int, None]:
    return model(batch).pow(2).sum(), batch.shape[0], None


def _trainer(out: Path, settings: dict, resume=None) -> Trainer:
    config = TrainConfig(steps=2, eval_every=2, log_every=1, progress=False, verbose=False)
    return Trainer(torch.nn.Linear(3, 1), config, batches=Batches(), loss_fn=_loss, out_dir=out,
                   model_config={"task": "test", "settings": settings}, resume=resume)


def _resumed_by(out: Path, processes: int, settings: dict) -> str:
    _trainer(out, settings).fit()
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "processes": processes}))
    with pytest.raises(UserError) as refused:
        _trainer(out, settings, resume=load_checkpoint(out, prefer="last"))
    return str(refused.value)


def test_a_task_read_rank_strided_names_its_batches(tmp_path: Path) -> None:
    message = _resumed_by(tmp_path, 2, {"lr": 0.01})
    assert "streams" not in message and "carried state" not in message
    assert message.endswith(": a run of 2 processes, resumed with 1 process; resume with as many processes as it "
                            "had (each of its updates took 2 batches, one a process; 1 process would train on "
                            "another batch size) or with --accumulate 2 on 1 process (the same 2 batches an update), "
                            "or train a new run with another --out")


def test_a_task_with_init_from_names_it_with_the_run(tmp_path: Path) -> None:
    message = _resumed_by(tmp_path, 3, {"init_from": None})
    assert message.endswith(f"or start a new run from its weights with --init-from {tmp_path} and another --out")
    assert "each of its updates took 3 batches, one a process" in message
