"""A run of a task read rank-strided (classify, tag, translate ...) resumed with another number of processes whose
``--accumulate`` takes as many batches an update (walk44). Two processes of ``--batch-size 4`` make the updates of
one process with ``--batch-size 4 --accumulate 2`` (the README says so), yet a two-process classifier resumed on
one machine was refused whatever its ``--accumulate`` ('resume with as many processes as it had ... or train a new
run'): its training was lost. Now one process with ``--accumulate 2`` goes on (by hand: bit for bit the weights of
the unbroken two-process run), and the refusal says so; the char LM's streams, cut among the processes, are still
refused another count."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train import TrainConfig, Trainer
from rnnkit.train.checkpoint import load_checkpoint
from tests import test_train as tt
from tests.test_mut20_trainer import damage, trainer

LOSSES = [3.0, 1.0, 1.0, 1.0]


def _two_process_run(out: Path, accumulate: int = 1) -> None:
    """A run stopped at step 2, as its checkpoint says a run of 2 processes with ``accumulate`` would be."""
    trainer(out, LOSSES, halt_at=2).fit()
    damage(out, processes=2, train_config={"accumulate": accumulate})


def test_one_process_accumulating_the_batches_of_two_resumes_their_run(tmp_path: Path) -> None:
    _two_process_run(tmp_path)
    resumed = trainer(tmp_path, LOSSES, resume=True, accumulate=2)
    assert resumed.step == 2
    assert resumed.fit().steps == len(LOSSES)


def test_the_refusal_names_the_accumulate_that_takes_as_many_batches(tmp_path: Path) -> None:
    _two_process_run(tmp_path, accumulate=3)  # 2 processes x 3 batches: 6 batches an update
    with pytest.raises(UserError, match=r"; resume with as many processes as it had \(each of its updates took 6 "
                                        r"batches, 3 a process; 1 process would train on another batch size\) or "
                                        r"with --accumulate 6 on 1 process \(the same 6 batches an update\), or train "
                                        r"a new run with another --out$"):
        trainer(tmp_path, LOSSES, resume=True, accumulate=3)


def test_a_run_resumed_in_one_process_accumulating_says_it_took_that_many_batches(tmp_path: Path) -> None:
    """Trained on 2 processes, resumed on 1 with --accumulate 2, then under torchrun again with the --accumulate 2
    it keeps: its updates took 2 batches, not 'one batch', and 2 processes take them with --accumulate 1."""
    trainer(tmp_path, LOSSES, halt_at=2).fit()
    damage(tmp_path, processes=1, train_config={"accumulate": 2})
    with pytest.raises(UserError, match=r"a run of 1 process, resumed with 2 processes; resume with as many processes "
                                        r"as it had \(each of its updates took 2 batches; 2 processes would train on "
                                        r"another batch size\) or with --accumulate 1 on 2 processes \(the same 2 "
                                        r"batches an update\), or train"):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("WORLD_SIZE", "2")
            env.setenv("RANK", "0")
            trainer(tmp_path, LOSSES, resume=True, accumulate=2)


class _Streams(tt._ListBatches):
    """Batches that cut themselves among the processes, as the character LM's streams do."""

    def shard(self, rank: int, world: int) -> _Streams:
        return self


def test_a_source_cut_among_the_processes_is_refused_another_count_whatever_it_accumulates(tmp_path: Path) -> None:
    _two_process_run(tmp_path)
    config = TrainConfig(steps=4, accumulate=2, progress=False, verbose=False)
    with pytest.raises(UserError, match=r"its streams and carried state are split 2 ways\), or train a new run"):
        Trainer(torch.nn.Linear(1, 1), config, batches=_Streams([torch.ones(1, 1)]),
                loss_fn=lambda m, b, s: (m(b).sum(), 1, None), out_dir=tmp_path, model_config={"task": "test"},
                resume=load_checkpoint(tmp_path, prefer="last"))


def test_a_process_the_run_had_not_draws_masks_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resumed on more processes than it had, rank 1 finds no torch generator of its own in last/: it is seeded apart
    from rank 0, as in a fresh run, not left at the seed every process starts from (rank 0's masks of the run's
    first steps again)."""
    trainer(tmp_path, LOSSES, halt_at=2).fit()
    damage(tmp_path, processes=1, train_config={"accumulate": 2})
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        trainer(tmp_path, LOSSES, resume=True, accumulate=1)
        assert torch.initial_seed() == 1_000_003
