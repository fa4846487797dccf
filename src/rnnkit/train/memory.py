"""Whether a model can train here at all, asked of its sizes before it is built.

Every task counts its model's parameters from its settings (:func:`rnnkit.recurrent.stack_parameters` for
the recurrent layers, nothing built) and calls :func:`check_fits` before it builds the model: a size whose
weights, gradients and optimiser state alone exceed the memory torch could get on the device the run
trains on (:func:`free_memory`) is refused in one line naming the setting. Built, ``--layers 100000``
initialised layer after layer for minutes and ``--hidden 30000`` filled 14 GB before the first step
failed; PyTorch and Keras give a slow build or an out-of-memory error there. A model that fits is never
refused: the count leaves out the activations of a batch, which the trainer's out-of-memory line covers.
:func:`check_room` refuses data that cannot be held likewise, from the bytes it takes at least (``rnnkit
experiment`` and ``rnnkit diagnose``: the sequences a ``--length`` of 10^9 made until the machine struggled).
"""

from __future__ import annotations

import dataclasses
import math
import os
import resource
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from rnnkit.device import local_processes, resolve_device
from rnnkit.errors import SettingError, whole_number

__all__ = ["check_fits", "check_room", "describe_stack", "free_memory", "training_bytes"]

#: float32 numbers an optimiser keeps per parameter (torch's: Adam's two moments, SGD's momentum buffer ...)
_STATE = {"adam": 2, "adamw": 2, "rmsprop": 1, "sgd": 1}


def training_bytes(parameters: int, optimizer: str = "adam", *, momentum: float = 0.9, ema: float = 0.0) -> int:
    """Bytes that training ``parameters`` float32 parameters takes before any batch: the weights, their
    gradients, the ``optimizer``'s state (none for SGD without momentum) and, with ``ema``, the average."""
    state = 0 if optimizer == "sgd" and not momentum else _STATE.get(optimizer, 2)
    return 4 * parameters * (2 + state + (1 if ema else 0))


def free_memory(device: torch.device) -> int | None:
    """Bytes torch could still get on ``device``: a GPU's free memory, or the memory this machine has
    available (with its free swap), less where ``ulimit -v`` or a cgroup allows this process less, shared
    by the processes torchrun started on this machine; None where the system does not say."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    if device.type != "cpu":
        return None
    info = _meminfo()
    limits = []
    if "MemAvailable" in info:
        limits.append(info["MemAvailable"] + info.get("SwapFree", 0))
    else:
        try:
            limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(max(soft - _status_bytes("VmSize"), 0))
    group = _cgroup_room()
    if group is not None:
        limits.append(group)
    return min(limits) // local_processes()[0] if limits else None


def describe_stack(cell: str, layers: int, hidden: int, bidirectional: bool = False) -> str:
    """``a 100000-layer LSTM of hidden 384``: a recurrent stack as a refusal names it."""
    kind = ("bidirectional " if bidirectional else "") + (cell.upper() if cell in ("lstm", "gru") else cell)
    return f"a {layers}-layer {kind} of hidden {hidden}"


def check_fits(config: Any, parameters: int, what: str, sizes: Sequence[str], **values: Any) -> None:
    """Refuse a model of ``parameters`` (``what``: its largest part, as :func:`describe_stack` says) that cannot
    train where ``config`` trains: :func:`training_bytes` with its ``optimizer``, ``momentum`` and ``ema``
    above :func:`free_memory` of its ``device`` (a GPU run also builds the weights in this machine's memory
    first). The :class:`SettingError` names the setting of ``sizes`` (fields of ``config``; ``values`` replace
    its attributes, e.g. an experiment's hidden size for one cell) furthest above its default."""
    settings = {**{name: getattr(config, name) for name in ("device", "optimizer", "momentum", "ema")
                   if hasattr(config, name)}, **values}
    device = resolve_device(settings.get("device", "cpu"))
    optimizer, momentum, ema = settings.get("optimizer", "adam"), settings.get("momentum", 0.9), settings.get("ema", 0)
    need = training_bytes(parameters, optimizer, momentum=momentum, ema=ema)
    places = [(device, need)] + ([(torch.device("cpu"), 4 * parameters)] if device.type != "cpu" else [])

    def held(place: torch.device, wanted: int) -> str:
        words = "the weights, built here first" if place != device else _training_words(optimizer, momentum, ema)
        return f"the model ({what}) has {_count_words(parameters)} parameters, {_gigabytes(wanted)} for {words}"

    _refuse_past_free(config, places, held, sizes, values)


def check_room(config: Any, places: Sequence[tuple[torch.device, int]], what: str, sizes: Sequence[str],
               **values: Any) -> None:
    """Refuse data a run cannot hold: ``places``, the bytes ``what`` (a run's sequences, its test set and the
    hidden states of a batch) take at least on each device, above :func:`free_memory` there. Counted from the
    settings before any of it is made (a ``--length`` of 10^9 allocated until the machine struggled); the
    :class:`SettingError` names the setting of ``sizes`` furthest above its default, as :func:`check_fits`'s."""
    wanted: dict[torch.device, int] = {}
    for place, n in places:
        wanted[place] = wanted.get(place, 0) + n
    _refuse_past_free(config, list(wanted.items()), lambda place, n: f"{what} take at least {_gigabytes(n)}",
                      sizes, values)


def _refuse_past_free(config: Any, places: Sequence[tuple[torch.device, int]],
                      held: Callable[[torch.device, int], str], sizes: Sequence[str], values: dict[str, Any]) -> None:
    """The :class:`SettingError` of :func:`check_fits` and :func:`check_room`: ``{setting} {value}: {held};
    {place} has N GB free`` for the first place whose bytes are above its :func:`free_memory`."""
    for place, wanted in places:
        free = free_memory(place)
        if free is None or wanted <= free:
            continue
        settings = {**{name: getattr(config, name) for name in sizes if hasattr(config, name)}, **values}
        name = _furthest_above_default(config, {k: settings[k] for k in sizes if k in settings})
        here = "this machine" if place.type == "cpu" else str(place)
        raise SettingError(name, settings[name], f"{held(place, wanted)}; {here} has {_gigabytes(free)} free")


def _furthest_above_default(config: Any, sizes: dict[str, Any]) -> str:
    """The name of ``sizes`` whose value is the most times its default in ``config``'s dataclass (1 where
    the default is not a positive integer: chosen by the task); the first of equals. A setting the config's
    ``measured_size(name)`` measures counts as the pair it gives, its size and its default's (a captioner's
    ``image_size``: pixels, where ``--image-size 10^6`` was blamed on ``--layers``); another that is not an
    integer, not at all. Compared in logarithms: a size past 10^308 was an OverflowError's traceback."""
    defaults = {f.name: f.default for f in dataclasses.fields(config)} if dataclasses.is_dataclass(config) else {}
    measured = getattr(config, "measured_size", lambda name: None)

    def times(name: str) -> float:
        value, default = measured(name) or (sizes[name], defaults.get(name))
        if not whole_number(value) or value < 1:
            return -math.inf
        positive = whole_number(default) and default > 0
        return math.log(value) - (math.log(default) if positive else 0.0)

    return max(sizes, key=times)


#: what each optimiser keeps beside the gradients
_STATE_WORDS = {"adam": "Adam's two moments", "adamw": "AdamW's two moments", "rmsprop": "RMSprop's averages",
                "sgd": "SGD's momentum"}


def _training_words(optimizer: str, momentum: float, ema: float) -> str:
    """``the weights, gradients, AdamW's two moments and the weights' moving average``."""
    parts = ["the weights", "gradients"]
    if training_bytes(1, optimizer, momentum=momentum) > 8:
        parts.append(_STATE_WORDS.get(optimizer, f"{optimizer}'s state"))
    if ema:
        parts.append("the weights' moving average")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _count_words(n: int) -> str:
    """3.3 × 10^18, 1.2 billion, 850 million, 12,345."""
    if n >= 10**15:
        power = len(str(n)) - 1
        return f"{n / 10**power:.2g} × 10^{power}"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:,.2g} {word}" if n < 10 * size else f"{n / size:,.0f} {word}"
    return f"{n:,}"


def _gigabytes(n: int) -> str:
    """0.52 GB, 205 GB, 32,000 GB; from 10^15 GB in :func:`_count_words`' powers of ten (3.2 × 10^38 GB, not
    39 digits)."""
    if n >= 10**24:
        return f"{_count_words(n // 10**9)} GB"
    gb = n / 1e9
    return f"{gb:,.0f} GB" if gb >= 10 else f"{gb:.2g} GB"


def _meminfo() -> dict[str, int]:
    """/proc/meminfo in bytes (empty where there is none)."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            out[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return out


def _status_bytes(key: str) -> int:
    """A size of this process from /proc/self/status (VmSize ...) in bytes; 0 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cgroup_room() -> int | None:
    """The memory limit of this process's cgroup (v2; a container's), or None without one."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return None
    return int(limit) if limit.isdigit() else None
