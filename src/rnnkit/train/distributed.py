"""Data-parallel training over several processes, on PyTorch's own engine (DistributedDataParallel).

``torchrun --nproc_per_node N -m rnnkit train TASK ...`` starts N copies of the same command with
``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` in their environment. The :class:`~rnnkit.train.Trainer`
reads them, joins the process group (gloo; NCCL too for CUDA tensors where each process has a GPU) and trains
as one model:

- **The data**: every process reads the same batch stream (same seed) and keeps its own part of each
  update. A source with a ``shard(rank, world)`` method (the character LM's parallel streams) cuts
  ``N x batch_size`` rows and gives each process its ``batch_size`` of them, so carried state stays
  right; any other source is read rank-strided (process ``r`` keeps batches ``r, r + N, ...``). Either
  way each update is the one a single process would make on the union of the N batches of ``b``: the
  summed loss and the item count are added over processes, and each process divides its loss by the
  total, so the averaged gradients are those of the mean over all items. For the sharded streams that
  is exactly a one-process run with ``N x b`` streams; a rank-strided source's union is N consecutive
  batches of ``b``, which a one-process run with batches of ``N x b`` (shuffled its own way) does not draw.
- **The model**: the loss function runs inside ``DistributedDataParallel`` (wrapped with the model, so
  a loss that calls the model's other methods, such as ``encode``, is synchronised too); gradients are
  averaged during the backward pass, and every process steps the same optimiser to the same weights.
- **Decisions**: rank 0 evaluates (and sends the numbers to the others); whether to stop or save is
  rank 0's call (clock, Ctrl-C), so all processes stop at the same step. The collectives that follow work of
  rank 0 alone (an evaluation, a checkpoint written, the report) run in a second gloo group of the same
  processes that waits :data:`PATIENCE`: torch's default timeout (30 minutes on gloo) failed the whole run
  when rank 0 took longer. A rank that dies closes its connections, which ends such a wait at once, and
  torchrun ends the other processes; the training steps keep torch's timeout. Only rank 0 writes
  checkpoints, ``metrics.jsonl``, the plot, progress and log lines; the carried state and the torch
  random state of every process are gathered into ``last/``, so ``--resume`` continues each process
  where it stopped. A fresh run seeds rank r > 0's torch generator apart (``seed + 1,000,003 r``,
  after the model is built), so the processes do not draw the same dropout masks.

One process (no ``WORLD_SIZE``, or 1) uses :data:`SINGLE`, whose methods do nothing but pass through.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from rnnkit.device import local_processes
from rnnkit.errors import UserError, torchrun_number

__all__ = ["SINGLE", "DataParallel", "Ranks", "RankStrided", "SingleProcess", "alike_record", "check_alike",
           "leave_together", "main_process_first", "parallel", "peer_stopped", "process_group", "ranks",
           "sharded"]


@dataclass(frozen=True)
class Ranks:
    """Where this process stands among the others (torchrun's ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """True for the one process that writes (rank 0)."""
        return self.rank == 0


def ranks() -> Ranks:
    """This process's ranks, read from the environment torchrun sets (one process without it). An empty variable
    is unset (torchrun never sets one empty; a shell's ``export WORLD_SIZE=`` clears it); a garbled one is refused."""
    values = {name: torchrun_number(key, strict=True)
              for name, key in (("rank", "RANK"), ("world_size", "WORLD_SIZE"), ("local_rank", "LOCAL_RANK"))}
    r = Ranks(**{name: value for name, value in values.items() if value is not None})
    if r.world_size < 1 or not 0 <= r.rank < r.world_size:
        raise UserError(f"RANK={r.rank}, WORLD_SIZE={r.world_size}: expected 0 <= RANK < WORLD_SIZE")
    return r


def _active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _start() -> bool:
    """Join the process group that the environment describes; True when this call created it."""
    r = ranks()
    if r.world_size == 1 or (dist.is_available() and dist.is_initialized()):
        return False
    if not dist.is_available():
        raise UserError("WORLD_SIZE > 1, but this build of PyTorch has no torch.distributed")
    dist.init_process_group(_backend(r))
    _patient()  # now, while every process is here: made later, it waits in torch's store for a process that failed
    return True


def _backend(r: Ranks) -> str:
    """gloo for tensors on the CPU (where ``rnnkit train`` trains), and NCCL for CUDA tensors when every
    process on this machine has a GPU of its own (NCCL refuses two processes on one device). The same
    answer on every process of a machine: torchrun's LOCAL_WORLD_SIZE, not the rank, decides."""
    if not torch.cuda.is_available() or local_processes(r.world_size)[0] > torch.cuda.device_count():
        return "gloo"
    torch.cuda.set_device(r.local_rank)
    return "cpu:gloo,cuda:nccl"


@contextlib.contextmanager
def process_group() -> Iterator[None]:
    """Inside: the process group torchrun describes is up (created here unless it already was, and then
    destroyed on the way out, also after an error, except in a rank other than 0: its group is left to the
    process's exit, so that the other ranks wait in their collectives, not fail on a closed connection with
    torch's traceback, while the command line gives rank 0 the moment to say the same error, or this rank its
    own, :func:`rnnkit.cli._say_error`). One process: nothing happens."""
    created = _start()
    try:
        yield
    except BaseException:
        created = created and ranks().is_main
        raise
    finally:
        if created and dist.is_initialized():
            dist.destroy_process_group()


@contextlib.contextmanager
def main_process_first() -> Iterator[None]:
    """Rank 0 runs the block first (it writes a cache), then the other ranks (they read what it wrote)."""
    group = _patient() if _active() else None  # however long rank 0 takes
    if group is not None and dist.get_rank() != 0:
        dist.barrier(group=group)
    try:
        yield
    finally:
        if group is not None and dist.get_rank() == 0:
            dist.barrier(group=group)


#: how long a process waits in a collective that follows work of rank 0 alone: no bound in practice (an evaluation
#: or a save takes what it takes; a rank 0 that dies ends the wait at once, see the module docstring)
PATIENCE = timedelta(days=365)

_patient_group: dict[str, Any] = {}


def _patient() -> Any:
    """The processes of the default group in a gloo group whose collectives wait :data:`PATIENCE`, made on the first
    call under each default group (every process calls it at the same point: a collective of its own; rnnkit makes
    it as it joins the default group, :func:`_start`)."""
    world = dist.group.WORLD
    if _patient_group.get("world") is not world:
        _patient_group.update(world=world, group=dist.new_group(backend="gloo", timeout=PATIENCE))
    return _patient_group["group"]


def leave_together() -> None:
    """Every process waits here for the others (nothing with one process), so that none ends before rank 0 has
    written what it writes (the report too, however long it takes): torchrun ends every process as soon as one exits
    with a failure status (130, an interrupted run). A process whose peer has already gone (its connection closed)
    just leaves."""
    if _active():
        with contextlib.suppress(RuntimeError):
            dist.barrier(group=_patient())


#: what gloo's error says when the process at the other end of a connection has gone (exited, killed)
_PEER_GONE = ("connection closed by peer", "connection reset by peer", "broken pipe")


def peer_stopped(exc: BaseException) -> bool:
    """Whether ``exc`` is gloo's error of a collective whose peer process has gone ('Connection closed by peer',
    '... reset by peer', 'Broken pipe'): another process of the run stopped, and says why itself (or torchrun, of one
    killed). This process's own errors are anything else."""
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and "gloo" in text and any(gone in text for gone in _PEER_GONE)


class RankStrided:
    """Rank ``r`` of ``world`` keeps batches ``r, r + world, r + 2 world, ...`` of ``source`` (every rank
    reads the same stream; its position is the source's own, so it saves and resumes as the source)."""

    def __init__(self, source: Any, rank: int, world: int) -> None:
        self.source, self.rank, self.world = source, rank, world

    def next_batch(self) -> Any:
        batches = [self.source.next_batch() for _ in range(self.world)]
        return batches[self.rank]

    def state_dict(self) -> dict[str, Any]:
        return self.source.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.source.load_state_dict(state)


class _LossModule(nn.Module):
    """The model and its loss function as one module, so that DistributedDataParallel sees the whole step."""

    def __init__(self, model: nn.Module, loss_fn: Callable[..., Any]) -> None:
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn

    def forward(self, batch: Any, state: Any, **extra: Any) -> Any:
        return self.loss_fn(self.model, batch, state, **extra)


class SingleProcess:
    """The trainer's view of the other processes when there are none: everything passes through."""

    rank = 0
    world = 1

    def loss(self, loss_fn: Callable[..., Any], model: nn.Module, batch: Any, state: Any, **extra: Any) -> Any:
        return loss_fn(model, batch, state, **extra)

    def totals(self, loss_sum: Tensor, items: int) -> tuple[float, int]:
        """The summed loss and the item count of this update over all processes."""
        return float(loss_sum), items

    def divisor(self, total_items: int) -> float:
        """What this process divides its summed loss by: the gradient is then the mean over all items."""
        return max(total_items, 1)

    def agree(self, value: int) -> int:
        """Rank 0's ``value``, on every process."""
        return value

    def agree_any(self, value: int, flag: bool) -> tuple[int, bool]:
        """Rank 0's ``value`` (at least 0) and whether ``flag`` is set on any process, on every process."""
        return value, flag

    def from_main(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` run on rank 0, its result on every process."""
        return fn()

    def gather(self, obj: Any) -> list[Any]:
        """``obj`` of every process, by rank."""
        return [obj]

    def shard(self, batches: Any) -> Any:
        """This process's part of each update of ``batches``."""
        return batches

    def no_sync(self) -> contextlib.AbstractContextManager[Any]:
        """Around the forward and backward of a batch whose gradients an accumulated update adds to before the
        last one's: the processes average the sum once, at the last (DDP's ``no_sync``)."""
        return contextlib.nullcontext()


SINGLE = SingleProcess()


class DataParallel(SingleProcess):
    """The trainer's view of the other processes under torchrun (see the module docstring)."""

    def __init__(self, model: nn.Module, loss_fn: Callable[..., Any], data: dict[str, Any] | None = None) -> None:
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self._patient = _patient()
        # every process's start (a text it prepares), however long it takes; then its data and model against rank 0's
        records: list[Any] = [None] * self.world
        dist.all_gather_object(records, alike_record(model, data), group=self._patient)
        check_alike(records)
        self.ddp = nn.parallel.DistributedDataParallel(_LossModule(model, loss_fn))
        self._strided = False
        first = next(iter(model.parameters()), None)
        self._device = first.device if first is not None else None

    def no_sync(self) -> contextlib.AbstractContextManager[Any]:
        return self.ddp.no_sync()

    def loss(self, loss_fn: Callable[..., Any], model: nn.Module, batch: Any, state: Any, **extra: Any) -> Any:
        loss_sum, items, new_state = self.ddp(batch, state, **extra)
        if new_state is not None and self._strided:
            raise UserError("this task carries state from batch to batch, but its batch source cannot be cut "
                            "between processes (it has no shard(rank, world) method)")
        return loss_sum, items, new_state

    def totals(self, loss_sum: Tensor, items: int) -> tuple[float, int]:
        both = torch.tensor([float(loss_sum), float(items)], dtype=torch.float64, device=self._device)
        dist.all_reduce(both)
        return float(both[0]), int(round(float(both[1])))

    def divisor(self, total_items: int) -> float:
        return max(total_items, 1) / self.world

    def agree(self, value: int) -> int:
        box = torch.tensor([value], dtype=torch.int64, device=self._device)
        dist.broadcast(box, src=0)
        return int(box[0])

    def agree_any(self, value: int, flag: bool) -> tuple[int, bool]:
        # one collective, as agree's broadcast; the first of every step, after what rank 0 wrote at the last one
        both = torch.tensor([value if self.rank == 0 else 0, int(flag)], dtype=torch.int64)
        dist.all_reduce(both, op=dist.ReduceOp.MAX, group=self._patient)
        return int(both[0]), bool(both[1])

    def from_main(self, fn: Callable[[], Any]) -> Any:
        box = [fn() if self.rank == 0 else None]
        dist.broadcast_object_list(box, src=0, group=self._patient)
        return box[0]

    def gather(self, obj: Any) -> list[Any]:
        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, obj, group=self._patient)  # after rank 0 saved best/
        return out

    def shard(self, batches: Any) -> Any:
        """This process's part of each update of ``batches`` (see the module docstring)."""
        self._strided = not sharded(batches)
        return RankStrided(batches, self.rank, self.world) if self._strided else batches.shard(self.rank, self.world)


def sharded(batches: Any) -> bool:
    """Whether ``batches`` cuts itself among the processes (a ``shard(rank, world)`` method: the character LM's
    parallel streams), where any other source is read rank-strided (see the module docstring)."""
    return hasattr(batches, "shard")


def same_batches(processes: int, accumulated: int, world: int, accumulate: int) -> bool:
    """Whether a run of ``processes``, each accumulating ``accumulated`` batches an update, resumed by ``world``
    processes accumulating ``accumulate`` takes as many batches an update (a source read rank-strided then makes the
    same updates; the Trainer refuses any other count of processes)."""
    return processes * accumulated == world * accumulate


def alike_record(model: nn.Module, data: dict[str, Any] | None) -> dict[str, Any]:
    """What every process of a run must share with rank 0: the digests and paths of the data files it read (the
    ``"data"`` record of a run's ``config.json``, :func:`rnnkit.train.provenance.with_digests`) and the shape of each
    of its model's parameters."""
    data = data if isinstance(data, dict) else {}
    return {"digests": data.get("digests") or {}, "paths": data.get("paths") or {},
            "shapes": {name: list(p.shape) for name, p in model.named_parameters()}}


#: the flag that names each data file of a run's ``"data"`` record
_DATA_FLAGS = {"train": "--data", "val": "--val-data"}


def check_alike(records: list[dict[str, Any]]) -> None:
    """Refuse, on every process alike, a run whose process ``r`` read other data than rank 0 or built another model
    (``records``: :func:`alike_record` of each process, by rank). A machine whose copy of the data differed trained
    on it without a word, or failed in DistributedDataParallel with torch's traceback of parameters that 'appear not
    to match'."""
    first = records[0]
    for rank, theirs in enumerate(records[1:], 1):
        for key, flag in _DATA_FLAGS.items():
            if theirs["digests"].get(key) != first["digests"].get(key):
                raise UserError(f"{flag}: rank {rank} read other content than rank 0 ({theirs['paths'].get(key)} on "
                                f"rank {rank}, {first['paths'].get(key)} on rank 0); every process needs the same "
                                "data: the same file at the same path on every machine")
        for name in [*first["shapes"], *(n for n in theirs["shapes"] if n not in first["shapes"])]:
            mine, shape = (_shape_of(record["shapes"].get(name)) for record in (theirs, first))
            if mine != shape:
                raise UserError(f"rank {rank} built another model than rank 0 ({name}: {mine} on rank {rank}, "
                                f"{shape} on rank 0); every process needs the same data and settings")


def _shape_of(shape: list[int] | None) -> str:
    """A parameter's shape as :func:`check_alike` says it: ``[11, 4]``, or ``none`` for a model without it."""
    return "none" if shape is None else str(shape)


def parallel(model: nn.Module, loss_fn: Callable[..., Any], data: dict[str, Any] | None = None) -> SingleProcess:
    """:class:`DataParallel` inside a process group of more than one process, else :data:`SINGLE`. ``data``: the
    run's data record with its digests, which every process must share (:func:`check_alike`)."""
    return DataParallel(model, loss_fn, data) if _active() else SINGLE
