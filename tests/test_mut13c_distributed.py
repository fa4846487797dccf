"""rnnkit.train.distributed (mutation audit round 13): torchrun's ranks, the backend's device, a peer's stop, and
the trainer's collectives on two processes (gloo on the CPU)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.train import distributed
from rnnkit.train.distributed import Ranks, peer_stopped, ranks

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("rank", "world"), [("2", "2"), ("-1", "2"), ("0", "0")])
def test_a_rank_outside_the_world_is_refused(monkeypatch: pytest.MonkeyPatch, rank: str, world: str) -> None:
    monkeypatch.setenv("RANK", rank)
    monkeypatch.setenv("WORLD_SIZE", world)
    with pytest.raises(UserError, match=rf"^RANK={rank}, WORLD_SIZE={world}: expected 0 <= RANK < WORLD_SIZE$"):
        ranks()


def test_each_process_takes_the_gpu_of_its_local_rank_not_of_its_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two machines of two GPUs: rank 3 is the second process of the second machine, and takes its GPU 1."""
    chosen: list[int] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert distributed._backend(Ranks(rank=3, world_size=4, local_rank=1)) == "cpu:gloo,cuda:nccl"
    assert chosen == [1]


@pytest.mark.parametrize(("exc", "stopped"), [
    (RuntimeError("[../third_party/gloo/gloo/transport/tcp/pair.cc:575] Broken pipe"), True),
    (RuntimeError("Connection reset by peer"), False),            # not gloo's: another connection of the process
    (ConnectionResetError("gloo: Connection reset by peer"), False),  # not a collective's error
    (RuntimeError("[gloo] Timed out waiting 1800000ms for recv operation"), False),
])
def test_a_peer_stopped_is_gloo_s_error_of_a_connection_that_closed(exc: BaseException, stopped: bool) -> None:
    assert peer_stopped(exc) is stopped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Source:
    """Batches of one number each, counted from 0, without a shard method."""

    def __init__(self) -> None:
        self.i = 0

    def next_batch(self) -> torch.Tensor:
        self.i += 1
        return torch.full((1, 2), float(self.i - 1))


def _carrying(model: nn.Module, batch: torch.Tensor, state: Any) -> tuple[torch.Tensor, int, torch.Tensor]:
    out = model(batch)
    return out.sum(), 1, out.detach()


def _collectives(rank: int, tmp: str, port: int) -> None:
    """What :class:`DataParallel` answers on each of two processes, written to ``{tmp}/answers{rank}.json``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2",
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    answers: dict[str, Any] = {}
    with distributed.process_group():
        par = distributed.parallel(nn.Linear(2, 1), _carrying)
        answers["kind"] = type(par).__name__
        calls: list[int] = []
        answers["from_main"] = par.from_main(lambda: calls.append(rank) or f"rank {rank}")
        answers["called"] = calls
        answers["agree"] = par.agree(10 + rank)
        answers["agree_any"] = par.agree_any(1 + 2 * rank, rank == 1)
        answers["agree_none"] = par.agree_any(3 - 3 * rank, False)
        answers["gather"] = par.gather({"rank": rank})
        answers["totals"] = par.totals(torch.tensor(1.5 + rank), 3 + rank)
        answers["divisor"] = par.divisor(7)
        batches = par.shard(_Source())
        answers["batches"] = [float(batches.next_batch()[0, 0]) for _ in range(2)]
        try:
            par.loss(_carrying, None, batches.next_batch(), None)
        except UserError as exc:
            answers["carried"] = str(exc)
        distributed.leave_together()
    Path(f"{tmp}/answers{rank}.json").write_text(json.dumps(answers), encoding="utf-8")


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory, start_method: str) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("collectives")
    torch.multiprocessing.start_processes(_collectives, args=(str(tmp), _free_port()), nprocs=2,
                                          start_method=start_method)
    return [json.loads((tmp / f"answers{rank}.json").read_text(encoding="utf-8")) for rank in range(2)]


@pytest.mark.slow  # two processes start, join gloo and build DDP once for the four: ~3 s
def test_rank_0_s_answer_is_every_process_s_and_only_rank_0_computes_it(answers: list[dict[str, Any]]) -> None:
    assert [a["kind"] for a in answers] == ["DataParallel"] * 2
    assert [a["from_main"] for a in answers] == ["rank 0"] * 2
    assert [a["called"] for a in answers] == [[0], []]  # an evaluation runs on rank 0 alone
    assert [a["agree"] for a in answers] == [10, 10]


@pytest.mark.slow  # two processes start, join gloo and build DDP once for the four: ~3 s
def test_the_stop_is_rank_0_s_reason_and_any_process_s_ctrl_c(answers: list[dict[str, Any]]) -> None:
    """Rank 1's clock may say 'minutes' (3) where rank 0's says 'steps' (1): rank 0 decides; Ctrl-C anywhere counts."""
    assert [a["agree_any"] for a in answers] == [[1, True]] * 2
    assert [a["agree_none"] for a in answers] == [[3, False]] * 2


@pytest.mark.slow  # two processes start, join gloo and build DDP once for the four: ~3 s
def test_the_states_are_gathered_by_rank_and_the_losses_summed(answers: list[dict[str, Any]]) -> None:
    assert [a["gather"] for a in answers] == [[{"rank": 0}, {"rank": 1}]] * 2
    assert [a["totals"] for a in answers] == [[4.0, 7]] * 2
    assert [a["divisor"] for a in answers] == [3.5, 3.5]  # DDP averages: each divides by half the items


@pytest.mark.slow  # two processes start, join gloo and build DDP once for the four: ~3 s
def test_a_source_without_shard_is_read_rank_strided_and_cannot_carry_state(answers: list[dict[str, Any]]) -> None:
    assert [a["batches"] for a in answers] == [[0.0, 2.0], [1.0, 3.0]]
    for a in answers:
        assert a["carried"].startswith("this task carries state from batch to batch, but its batch source cannot")


class _SomeEmpty:
    """Regression batches whose second has no item to count (its mask all False)."""

    def __init__(self) -> None:
        self.i = 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        g = torch.Generator().manual_seed(self.i)
        x = torch.randn(4, 3, generator=g)
        mask = torch.full((4,), self.i != 1)
        self.i += 1
        return x, x.sum(1, keepdim=True), mask

    def state_dict(self) -> dict[str, Any]:
        return {"i": self.i}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.i = state["i"]


def _masked(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, None]:
    x, y, mask = batch
    return (((model(x) - y) ** 2).squeeze(1) * mask).sum(), int(mask.sum()), None  # masked by multiplying


def test_an_update_of_no_items_leaves_the_weights_finite_in_one_process() -> None:
    """Its summed loss of 0 is divided by at least 1, not by its 0 items (a NaN gradient)."""
    from rnnkit.train import TrainConfig, Trainer, seed_everything

    seed_everything(0)
    model = nn.Linear(3, 1)
    cfg = TrainConfig(steps=3, lr=0.05, log_every=1, eval_every=0, verbose=False, progress=False)
    result = Trainer(model, cfg, batches=_SomeEmpty(), loss_fn=_masked).fit()
    assert result.steps == 3
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())


def _one_leaves_early(rank: int, tmp: str, port: int) -> None:
    """Rank 1 exits at once; rank 0 then waits for it in :func:`leave_together` and writes what happened."""
    import time

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2",
                      LOCAL_RANK=str(rank))
    with distributed.process_group():
        if rank == 1:
            os._exit(0)  # killed, or ended by torchrun: its connections close
        time.sleep(1.0)
        try:
            distributed.leave_together()
            said = "left"
        except Exception as exc:  # noqa: BLE001 - the test reads it
            said = f"{type(exc).__name__}: {exc}"
        Path(f"{tmp}/left.txt").write_text(said, encoding="utf-8")
        os._exit(0)  # its group's peer is gone: no teardown to wait for


def test_a_process_whose_peer_has_gone_just_leaves(tmp_path: Path, start_method: str) -> None:
    """The wait at the end is for a peer still writing; one whose connection closed is not waited for, nor an error
    (which the command line would say as 'another process of this run stopped' after a run that ended well)."""
    torch.multiprocessing.start_processes(_one_leaves_early, args=(str(tmp_path), _free_port()), nprocs=2,
                                          start_method=start_method)
    assert (tmp_path / "left.txt").read_text(encoding="utf-8") == "left"


def _two_groups_in_turn(rank: int, tmp: str) -> None:
    """Join a default group of one process, then another: whether each got a patient group of its own that works."""
    import torch.distributed as dist

    made = []
    for _ in range(2):
        dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
        try:
            made.append(distributed._patient())
            dist.barrier(group=made[-1])
            assert distributed._patient() is made[-1]  # one a default group
        finally:
            dist.destroy_process_group()
    Path(f"{tmp}/own.txt").write_text(str(made[0] is not made[1]), encoding="utf-8")


def test_a_second_process_group_in_the_same_process_gets_a_patient_group_of_its_own(tmp_path: Path,
                                                                                    start_method: str) -> None:
    """A script that trains twice under torchrun joins a new default group each time: the patient group made under
    the first (destroyed with it) cannot serve the second. (In a process of its own: gloo is never started here.)"""
    torch.multiprocessing.start_processes(_two_groups_in_turn, args=(str(tmp_path),), nprocs=1,
                                          start_method=start_method)
    assert (tmp_path / "own.txt").read_text(encoding="utf-8") == "True"
