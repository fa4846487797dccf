"""Mutation round 27 of the refusal to resume with another number of processes (``Trainer._other_count``,
``_check_processes``) and of ``DataParallel.shard``'s choice by ``sharded``: a one-process run of a task read
rank-strided, resumed by two, says it took one batch an update; a run that says nothing of its processes (older)
resumes under any count; a sharded source cuts itself, any other is read rank-strided."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.train.checkpoint import load_checkpoint
from rnnkit.train.distributed import DataParallel, Ranks, RankStrided
from tests.test_mut20_trainer import trainer

LOSSES = [3.0, 1.0, 1.0]


def test_a_one_process_run_read_rank_strided_says_it_took_one_batch(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    trainer(out, LOSSES, halt_at=2).fit()
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(UserError) as refused:
        trainer(out, LOSSES, resume=True)
    assert str(refused.value).endswith(": a run of 1 process, resumed with 2 processes; resume with as many "
                                       "processes as it had (each of its updates took one batch; 2 processes would "
                                       "train on another batch size), or train a new run with another --out")


def test_a_run_that_does_not_say_its_processes_is_taken_as_this_ones(tmp_path: Path) -> None:
    """Checkpoints older than the count are resumed by any number of processes, as before."""
    out = tmp_path / "run"
    trainer(out, LOSSES, halt_at=2).fit()
    resumed = trainer(out, LOSSES, resume=True)
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({k: v for k, v in json.loads(state.read_text()).items() if k != "processes"}))
    resumed.ranks = Ranks(rank=0, world_size=2)
    resumed._check_processes(load_checkpoint(out, prefer="last"))  # refuses nothing


class _Streams:
    """A source that cuts itself among the processes, as the character LM's streams do."""

    def shard(self, rank: int, world: int) -> tuple[int, int]:
        return rank, world


def test_a_sharded_source_cuts_itself_and_any_other_is_read_rank_strided() -> None:
    parallel = DataParallel.__new__(DataParallel)  # its shard() needs only the rank and the world
    parallel.rank, parallel.world = 1, 2
    assert parallel.shard(_Streams()) == (1, 2) and parallel._strided is False
    strided = parallel.shard([])
    assert isinstance(strided, RankStrided) and (strided.rank, strided.world) == (1, 2) and parallel._strided is True
