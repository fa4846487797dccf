"""TensorBoard logging of a run (``rnnkit train TASK --tensorboard``, ``TrainConfig(tensorboard=True)``).

What a user gets: every record the trainer writes to ``OUT/metrics.jsonl`` (the training loss, the gradient
norm, the learning rate, the speed, each evaluation's scores) also as TensorBoard scalars of the same names at
the same steps, in ``OUT/tensorboard/``, as Keras' ``TensorBoard`` callback and OpenNMT-py's ``-tensorboard``
give them: ``tensorboard --logdir runs`` shows every run under ``runs/``. A resumed run appends to them and
drops what the interrupted run logged after the checkpoint it resumes from (TensorBoard's ``purge_step``), as
``metrics.jsonl`` drops it; ``--overwrite`` removes the old run's. Only the first process of a ``torchrun`` job
writes. Written by ``torch.utils.tensorboard``, which needs the ``tensorboard`` package
(``pip install 'rnnkit[tensorboard]'``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError
from rnnkit.train.checkpoint import TENSORBOARD

__all__ = ["TENSORBOARD", "TensorBoardLog", "check_available"]


def check_available() -> None:
    """Refuse ``--tensorboard`` in one line, before any work, where the ``tensorboard`` package is missing; it
    says how to go on without it, as a resumed run keeps the setting without the flag being given."""
    if importlib.util.find_spec("tensorboard") is None:
        raise UserError("--tensorboard needs the 'tensorboard' package: pip install 'rnnkit[tensorboard]', or train "
                        "without it: --no-tensorboard (a resumed run keeps the setting it had)")


class TensorBoardLog:
    """The scalars of the trainer's records, written to ``folder`` from step ``resumed_at`` on (0: a fresh run)."""

    def __init__(self, folder: Path, resumed_at: int = 0) -> None:
        check_available()
        from torch.utils.tensorboard import SummaryWriter

        # a resumed run: what the interrupted run logged after its checkpoint is dropped when read
        self.writer = SummaryWriter(str(folder), purge_step=resumed_at + 1 if resumed_at else None, flush_secs=30)

    def write(self, record: dict[str, Any]) -> None:
        """Each number of ``record`` (not its ``step``, the x axis) as a scalar at ``record["step"]``; an
        evaluation's record is flushed at once, so TensorBoard shows it while the run goes on."""
        step = int(record["step"])
        numbers = {k: float(v) for k, v in record.items()
                   if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)}
        for key, value in numbers.items():
            self.writer.add_scalar(key, value, step)
        if any(key.startswith("val_") for key in numbers):
            self.writer.flush()

    def close(self) -> None:
        self.writer.close()
