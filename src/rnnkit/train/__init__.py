"""Training: the generic :class:`Trainer`, truncated BPTT over streams, checkpoints, options.

See :mod:`rnnkit.train.trainer` for the contract a task fulfils (model, batch source, loss function,
evaluation function) and :mod:`rnnkit.train.checkpoint` for the checkpoint layout.
"""

from rnnkit.train.checkpoint import Checkpoint, load_checkpoint, resolve_model_dir, save_checkpoint
from rnnkit.train.optim import build_optimizer, learning_rate
from rnnkit.train.tbptt import StreamBatch, StreamBatches, evaluate_streams, tbptt_lm_loss
from rnnkit.train.trainer import (
    BatchSource,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    TrainResult,
    detach_state,
    seed_everything,
)

__all__ = [
    "BatchSource",
    "Checkpoint",
    "StreamBatch",
    "StreamBatches",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "TrainingDiverged",
    "build_optimizer",
    "detach_state",
    "evaluate_streams",
    "learning_rate",
    "load_checkpoint",
    "resolve_model_dir",
    "save_checkpoint",
    "seed_everything",
    "tbptt_lm_loss",
]
