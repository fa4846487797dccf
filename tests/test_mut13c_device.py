"""rnnkit.device (mutation audit round 13): which GPU a process takes, and batches moved to another device (torch's
meta device stands for a GPU: a tensor moves there on any machine)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch.nn.utils.rnn import pack_sequence

from rnnkit.device import local_processes, model_device, resolve_device, to_device

META = torch.device("meta")


def _gpus(monkeypatch: pytest.MonkeyPatch, count: int, current: int = 0, **env: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: current)
    for name in ("WORLD_SIZE", "LOCAL_WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_one_process_asking_for_cuda_gets_torch_s_current_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A script that chose its GPU (torch.cuda.set_device(1)) and trains with device="cuda" trains there."""
    _gpus(monkeypatch, 2, current=1)
    assert resolve_device("cuda") == torch.device("cuda", 1)


@pytest.mark.parametrize("local_world", [None, "", "two", "0", "-1"])
def test_without_a_readable_local_world_size_every_process_is_on_this_machine(
        monkeypatch: pytest.MonkeyPatch, local_world: str | None) -> None:
    """A launcher that sets WORLD_SIZE and LOCAL_RANK alone: 3 processes on a machine of 2 GPUs stay on the CPU
    (NCCL refuses two processes on one GPU), as torchrun's LOCAL_WORLD_SIZE=3 would say."""
    env = {"WORLD_SIZE": "3", "LOCAL_RANK": "2"} | ({} if local_world is None else {"LOCAL_WORLD_SIZE": local_world})
    _gpus(monkeypatch, 2, **env)
    assert resolve_device("auto") == torch.device("cpu")


def test_sizes_below_1_and_a_negative_rank_read_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOCAL_WORLD_SIZE=0 divided a GPU's free memory by 0 (the size check of ``train``)."""
    _gpus(monkeypatch, 0, WORLD_SIZE="0", LOCAL_WORLD_SIZE="0", LOCAL_RANK="-1")
    assert local_processes() == (1, 0)
    _gpus(monkeypatch, 0, WORLD_SIZE="4", LOCAL_WORLD_SIZE="0", LOCAL_RANK="3")
    assert local_processes() == (4, 3) and local_processes(2) == (2, 3)


def test_a_module_of_buffers_alone_is_where_its_buffers_are() -> None:
    norm = torch.nn.BatchNorm1d(3, affine=False).to(META)
    assert list(norm.parameters()) == []
    assert model_device(norm) == META


@dataclass
class _Batch:
    ids: torch.Tensor


def test_every_tensor_of_a_batch_moves_and_a_class_in_it_stays_as_it_is() -> None:
    t = torch.ones(2, 3)
    packed = pack_sequence([torch.ones(3), torch.ones(2)])
    moved = to_device({"ids": t, "packed": packed, "kind": _Batch, "batch": _Batch(t)}, META)
    assert moved["ids"].device == META and moved["packed"].data.device == META
    assert moved["batch"].ids.device == META
    assert moved["kind"] is _Batch
    assert t.device == torch.device("cpu")  # the caller's batch is left where it was
