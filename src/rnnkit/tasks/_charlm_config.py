"""The settings of ``rnnkit train charlm`` and their checks (:class:`CharLMConfig`), the ones a resumed run
keeps (:data:`FROZEN`), and the :class:`~rnnkit.models.language_model.LanguageModel` arguments they make
(or a checkpoint's). :mod:`rnnkit.tasks.charlm` trains with them; :mod:`rnnkit.tasks._charlm_size` fills in
the sizes left to the budget."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rnnkit.cells import CELLS
from rnnkit.errors import SettingError, UserError, check_fraction, check_positive
from rnnkit.models.counts import DEFAULT_COUNTS
from rnnkit.models.match import DEFAULT_ORDERS
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import RegulariserSettings, TrainSettings

__all__ = ["FROZEN", "CharLMConfig"]


@dataclass
class CharLMConfig(TrainSettings, RegulariserSettings):
    """Settings of ``rnnkit train charlm`` (tuned on Shakespeare, 2 CPU cores: see docs/CHARLM.md)."""

    cell: str = "lstm"            # any cell of rnnkit.cells.CELLS
    hidden: int | None = None     # hidden units per layer (None: auto_hidden, 384 or 512 by the budget)
    layers: int | None = None     # stacked layers (None: auto_layers, 1 or 2 by the budget)
    embed_dim: int = 64           # character embedding size
    seq_len: int = 64             # truncated-BPTT window in characters
    shift: int | None = None      # characters between window starts (None: seq_len)
    batch_size: int = 16          # parallel streams
    dropout: float | None = None  # on the embeddings, between layers and before the output (None: auto_dropout)
    weight_drop: float | None = None  # DropConnect on W_hh (None: with --dropout from the budget, auto_weight_drop)
    memory: bool = True           # copy from the text read so far (rnnkit.models.match; docs/CHARLM.md)
    counts: bool = True           # with the memory, mix in the counts of the text read (rnnkit.models.counts)
    val_fraction: float = 0.1     # the last part of the text, held out
    eval_chars: int = 0           # validation characters read at each evaluation (0: all)
    init_from: str | None = None  # start from the weights of this trained model (a new run; _charlm_init.py)
    steps: int | None = 3500
    optimizer: str = "adamw"      # decoupled weight decay: 0.015-0.06 nats/char better than Adam (docs/CHARLM.md)
    lr: float = 6e-3
    weight_decay: float = 0.1
    ema: float = 0.999            # evaluate and keep the weights' moving average: 0.001-0.005 better (docs/CHARLM.md)
    eval_every: int = 5000
    log_every: int = 50
    precision: str = "auto"

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """``init_from`` as the absolute path a run records (``rk_lm`` and ``./rk_lm`` are the run's
        ``/home/me/rk_lm``); the rest as they are."""
        return os.path.abspath(value) if key == "init_from" and isinstance(value, str) else value

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        self.validate_training()
        for name in ("hidden", "layers", "seq_len", "batch_size", "embed_dim"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name))
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        if self.shift is not None and not 1 <= self.shift <= self.seq_len:
            raise SettingError("shift", self.shift, f"expected 1 to --seq-len ({self.seq_len})")
        if self.dropout is not None:
            check_fraction("dropout", self.dropout)
        self.validate_regularisers()
        check_fraction("val_fraction", self.val_fraction)
        for name in ("memory", "counts"):
            if not isinstance(getattr(self, name), bool):
                raise SettingError(name, getattr(self, name), "expected true or false")
        if self.memory and self.shift is not None and self.shift != self.seq_len:
            raise SettingError("shift", self.shift, "overlapping windows would read the text twice into the memory; "
                               "give --no-memory with --shift")
        if self.eval_chars < 0:
            raise SettingError("eval_chars", self.eval_chars, "expected a number of characters >= 0 (0: all)")


#: settings that fix the model's shape or the data: a resumed run keeps them
FROZEN = ("cell", "hidden", "layers", "embed_dim", "seq_len", "shift", "batch_size", "dropout", "weight_drop",
          "layer_norm", "memory", "counts", "val_fraction", "seed", "init_from")


def _model_kwargs(config: CharLMConfig, ckpt: Checkpoint | None) -> dict[str, Any]:
    """The LanguageModel arguments: the checkpoint's when there is one, else the config's."""
    if ckpt is not None:
        return _saved_model_kwargs(ckpt)
    return {"cell": config.cell, "hidden_size": config.hidden, "num_layers": config.layers,
            "embed_dim": config.embed_dim, "dropout": config.dropout,
            "memory": list(DEFAULT_ORDERS) if config.memory else [],
            "counts": list(DEFAULT_COUNTS) if config.memory and config.counts else [], **config.regulariser_options()}


def _saved_model_kwargs(ckpt: Checkpoint) -> dict[str, Any]:
    kwargs = ckpt.config.get("model")
    if not isinstance(kwargs, dict):
        raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
    return {k: v for k, v in kwargs.items() if k != "vocab_size"}
