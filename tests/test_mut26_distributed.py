"""Mutation audit round 26, walk32's torchrun checks without torchrun: every process compares its --val-data too, a
parameter that rank 1 lacks is named as one whose shape differs is, the data is named before the model it shapes, and
the trainer hands its data record (with the digests) through ``parallel`` to the gathered check; and a run's count of
processes as ``trained_processes`` and ``rnnkit info`` read it from an older or damaged state."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.train import TrainConfig, Trainer, distributed
from rnnkit.train.checkpoint import trained_processes
from rnnkit.train.distributed import alike_record, check_alike
from rnnkit.train.provenance import digest
from tests import test_train as tt
from tests.test_walk32_distributed import _data, charlm_run  # noqa: F401  # the module's tiny one-process run


def _with_val(name: str, val: str) -> dict[str, dict[str, str]]:
    data = _data(name)
    return {"digests": {**data["digests"], "val": f"99:{val}"}, "paths": {**data["paths"], "val": f"/data/{val}.txt"}}


def test_validation_data_that_differs_is_named_by_its_own_flag() -> None:
    model = nn.Embedding(11, 4)
    with pytest.raises(UserError, match=r"^--val-data: rank 1 read other content than rank 0 \(/data/w.txt on rank 1, "
                                        r"/data/v.txt on rank 0\)"):
        check_alike([alike_record(model, _with_val("a", "v")), alike_record(model, _with_val("a", "w"))])



def test_the_same_content_at_another_path_is_alike() -> None:
    """The content decides (a machine that mounts the data elsewhere, or a relative --data from another working
    directory), not the absolute path."""
    model = nn.Embedding(11, 4)
    elsewhere = {"digests": {"train": "6000:a"}, "paths": {"train": "/mnt/other/a.txt"}}
    check_alike([alike_record(model, _data("a")), alike_record(model, elsewhere)])

def test_a_parameter_that_a_rank_lacks_is_named_and_the_data_comes_first() -> None:
    """The bias rank 0 has and rank 1 has not; and of two records that differ in both, the data (which sizes the
    vocabulary, and so the model) is what the line names."""
    with pytest.raises(UserError, match=r"^rank 1 built another model than rank 0 \(bias: none on rank 1, \[1\] on "):
        check_alike([alike_record(nn.Linear(2, 1), None), alike_record(nn.Linear(2, 1, bias=False), None)])
    with pytest.raises(UserError, match=r"^--data: rank 1 read other content"):
        check_alike([alike_record(nn.Embedding(11, 4), _data("a")), alike_record(nn.Embedding(19, 4), _data("b"))])


def test_the_processes_gather_their_records_and_refuse_a_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    """``parallel`` under a group of 2 (the group's calls stood in for): rank 1's record says other data."""
    model = nn.Embedding(11, 4)
    theirs = alike_record(model, _data("b"))

    def gathered(out: list[Any], mine: Any, group: Any = None) -> None:
        out[:] = [mine, theirs]

    monkeypatch.setattr(distributed, "_active", lambda: True)
    monkeypatch.setattr(distributed, "_patient", lambda: None)
    monkeypatch.setattr(distributed.dist, "get_rank", lambda *args: 0)
    monkeypatch.setattr(distributed.dist, "get_world_size", lambda *args: 2)
    monkeypatch.setattr(distributed.dist, "all_gather_object", gathered)
    monkeypatch.setattr(torch.nn.parallel, "DistributedDataParallel", lambda module: module)
    with pytest.raises(UserError, match=r"^--data: rank 1 read other content than rank 0 \(/data/b.txt on rank 1, "
                                        r"/data/a.txt on rank 0\)"):
        distributed.parallel(model, lambda *args: None, _data("a"))


def test_the_trainer_hands_its_data_record_to_the_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(distributed, "parallel",
                        lambda model, loss_fn, data=None: seen.append(data) or distributed.SINGLE)
    text = tmp_path / "t.txt"
    text.write_text("abc\n", encoding="utf-8")
    config = TrainConfig(steps=1, optimizer="sgd", lr=0.0, progress=False, verbose=False)
    Trainer(nn.Linear(1, 1, bias=False), config, batches=tt._ListBatches([0]),
            loss_fn=lambda m, batch, state: (m.weight.sum() * 0 + 1.0, 1, None), out_dir=tmp_path / "run",
            model_config={"task": "test", "data": {"train": str(text)}}).fit()
    assert seen[0]["digests"] == {"train": digest(text)}


@pytest.mark.parametrize(("saved", "count"), [(3, 3), (1, 1), (0, 1), (-2, 1), (True, 1), (2.0, 1), ("2", 1),
                                              (None, 1)])
def test_a_count_of_processes_is_a_whole_number_of_at_least_1(saved: Any, count: int) -> None:
    """An older state says none, a damaged one 0, true, 2.0 or "2": one process (an int, as --json writes it)."""
    got = trained_processes({} if saved is None else {"processes": saved})
    assert got == count and type(got) is int


def test_info_of_an_older_run_that_does_not_say_is_one_process(charlm_run: Path, tmp_path: Path,  # noqa: F811
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    out = tmp_path / "run"
    shutil.copytree(charlm_run, out)
    for part in ("best", "last"):
        state = out / part / "trainer_state.json"
        state.write_text(json.dumps({k: v for k, v in json.loads(state.read_text(encoding="utf-8")).items()
                                     if k != "processes"}), encoding="utf-8")
    assert main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["processes"], info["resumable_processes"]) == (1, 1)
    assert main(["info", str(out)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")}
    assert "processes" not in rows["trained"]
    assert rows["resumable"].endswith(f"(rnnkit train charlm --resume {out})"), rows["resumable"]
