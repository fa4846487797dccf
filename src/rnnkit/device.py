"""Where a run trains (``rnnkit train TASK --device auto|cpu|cuda|cuda:N``) and moving its batches there.

``auto`` (the default) is this process's GPU when torch sees one, else the CPU, as Keras and Lightning
choose. Under torchrun each process takes the GPU of its ``LOCAL_RANK``; with more processes on a machine
than it has GPUs, ``auto`` stays on the CPU and ``cuda`` is refused (NCCL refuses two processes on one GPU).
The device is where a run trains, not what it is: a checkpoint holds CPU tensors, and a run resumed on
another machine trains where that machine's ``--device`` says.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnkit.errors import SettingError, torchrun_number

__all__ = ["DEVICE_HELP", "gradients_in_eval_mode", "local_processes", "model_copy", "model_device",
           "resolve_device", "to_device"]

M = TypeVar("M", bound=nn.Module)

DEVICE_HELP = ("where to train: auto (this process's GPU when torch sees one, else the CPU), cpu, cuda or cuda:N "
               "(default auto)")
_NAME = re.compile(r"(auto|cpu|cuda(:[0-9]+)?)")


def _check_name(name: object) -> str:
    """``name`` when it is a device ``--device`` takes (auto, cpu, cuda, cuda:N), else a :class:`SettingError`."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SettingError("device", name, "expected auto, cpu, cuda or cuda:N")
    return name


def resolve_device(name: str) -> torch.device:
    """The :class:`torch.device` that ``--device name`` means on this machine, in this process."""
    _check_name(name)
    if name == "cpu":
        return torch.device("cpu")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    local, local_rank = local_processes()
    if name == "auto":
        return torch.device("cuda", local_rank) if count and local <= count else torch.device("cpu")
    if not count:
        raise SettingError("device", name, "torch sees no CUDA device here; use --device cpu (or auto)")
    if local > 1 and local > count:
        raise SettingError("device", name, f"{local} processes on this machine but {count} GPU(s), and NCCL "
                                           "refuses two processes on one GPU; use --device cpu")
    index = int(name.split(":")[1]) if ":" in name else (local_rank if local > 1 else torch.cuda.current_device())
    if index >= count:
        raise SettingError("device", name, f"this machine has {count} GPU(s), numbered from 0")
    return torch.device("cuda", index)


def local_processes(world_size: int | None = None) -> tuple[int, int]:
    """(processes on this machine, this one's local rank) as torchrun describes them; (1, 0) alone. Without
    a readable LOCAL_WORLD_SIZE (a whole number of 1 or more), every process of the world (``world_size``, else
    WORLD_SIZE) is on this machine."""
    def number(name: str, default: int, least: int) -> int:
        value = torchrun_number(name, strict=False)
        return value if value is not None and value >= least else default  # 0 processes: a GPU's memory / 0

    world = number("WORLD_SIZE", 1, 1) if world_size is None else world_size
    return number("LOCAL_WORLD_SIZE", world, 1), number("LOCAL_RANK", 0, 0)


def model_device(model: nn.Module) -> torch.device:
    """The device of ``model``'s first parameter (or buffer); the CPU for a module with neither."""
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def to_device(obj: Any, device: torch.device) -> Any:
    """``obj`` with every tensor in it on ``device``: a tensor, a PackedSequence, or a tuple, named tuple,
    list, dict or dataclass of them (nested). Anything else is returned as it is; a tensor already there is
    the same object, so on the CPU this costs a walk over the batch and nothing more."""
    if isinstance(obj, (torch.Tensor, PackedSequence)):
        return obj.to(device, non_blocking=device.type == "cuda")  # only to a GPU: a copy back must finish
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_device(x, device) for x in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(x, device) for x in obj)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        moved = {f.name: to_device(getattr(obj, f.name), device) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **moved)
    return obj


def model_copy(model: M) -> M:
    """A deep copy of ``model`` whose cuDNN RNN weights are one flat chunk again, as ``.to(device)`` leaves
    them (a plain deepcopy is compacted again at every call on a GPU, with a warning); on the CPU, a deepcopy."""
    twin = copy.deepcopy(model)
    for module in twin.modules():
        if isinstance(module, nn.RNNBase):
            module.flatten_parameters()
    return twin


def denormals_are_flushed() -> bool:
    """Whether the CPU flushes subnormal floats to zero now (:func:`torch.set_flush_denormal`, which has no getter):
    a subnormal number times one is then zero."""
    return float(torch.tensor(1e-310, dtype=torch.float64) * 1.0) == 0.0


@contextlib.contextmanager
def denormals_flushed() -> Iterator[None]:
    """Subnormal floats flushed to zero on the CPU inside (they are slow there, and an IRNN's N(0, 0.001²)
    weights make many), and the caller's setting back after: :func:`torch.set_flush_denormal` is
    process-wide state that a library call must not leave changed (:func:`denormals_are_flushed` reads it)."""
    was = denormals_are_flushed()
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(was)


@contextlib.contextmanager
def float32_by_default() -> Iterator[None]:
    """torch's default dtype float32 inside, the caller's back after (an error or a Ctrl-C too): what
    :func:`rnnkit.fit` builds its models and data in, and :func:`rnnkit.train.building.build_model` every model
    read from a checkpoint (:func:`rnnkit.load`'s, an ensemble's members, a resumed run's). A notebook that had called
    ``torch.set_default_dtype(torch.float64)`` trained a float64 model under ``precision="fp32"``, twice as slow,
    and saved a checkpoint that ``rnnkit train --resume`` then failed on inside torch's kernel
    (``get_mkldnn_dtype: unsupported data type``); a model loaded there exported an ONNX file that onnxruntime
    could not run (``LSTM operator does not support double``)."""
    was = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(was)


@contextlib.contextmanager
def gradients_in_eval_mode() -> Iterator[None]:
    """Inside, gradients may flow through recurrent layers in eval mode on a GPU: cuDNN's RNNs have no
    backward in eval mode (torch.nn's neither), so torch's own CUDA kernels run them. No effect on the CPU."""
    with torch.backends.cudnn.flags(enabled=False):
        yield
