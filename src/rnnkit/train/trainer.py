"""The one training loop of rnnkit: every task, experiment, pre-training and diagnostic trains through it.

How a task uses it
------------------
A task supplies a model, a batch source and a loss function (an evaluation function where it has one)
and gets checkpoints, resume, schedules, clipping, evaluation, stopping by steps or time, progress,
``metrics.jsonl`` and a loss plot::

    from rnnkit.train import Trainer, TrainConfig, seed_everything

    seed_everything(cfg.seed)                 # before building the model: init is seeded
    model = MyModel(...)
    trainer = Trainer(
        model, cfg,
        batches=my_batches,                   # BatchSource, see below
        loss_fn=my_loss,                      # (model, batch, state) -> (loss_sum, n_items, new_state)
        eval_fn=my_eval,                      # (model) -> {"loss": ..., "accuracy": ...}; or None
        out_dir="runs/x",                     # None: train in memory, write nothing (experiments)
        model_config={"task": "mine", ...},   # JSON: what you need to rebuild the model later
        vocab=my_vocab_json,                  # JSON or None
        resume=None,                          # or load_checkpoint(dir, prefer="last")
        on_eval=None,                         # (record) -> reason to stop, or None
        best_tensors=None,                    # (model) -> {name: tensor} saved in OUT/best too; or None
    )
    result = trainer.fit()                    # TrainResult: best metric, steps, seconds, tokens/s

``batches`` (a :class:`BatchSource`) has ``next_batch()`` returning any object your ``loss_fn``
understands, and ``state_dict()`` / ``load_state_dict(d)`` with a JSON-able position (e.g. window
offset and epoch; a shuffling source also stores its ``torch.Generator`` state as a list of ints: see
:class:`rnnkit.data.batching.ShuffledBatches`). The source should be infinite (wrap to a new epoch).

``loss_fn(model, batch, state)`` runs the model in training mode and returns ``(loss_sum, n, new_state)``:
the loss *summed* over the ``n`` items (tokens, sequences) of the batch as a 0-d tensor, ``n`` as an
int, and the recurrent state to hand to the next batch (``None`` for tasks without carried state).
The trainer back-propagates ``loss_sum / n`` (the mean over items), detaches ``new_state`` and passes
it back as ``state`` on the next call (truncated BPTT; see :mod:`rnnkit.train.tbptt`). The carried
state is saved in ``last/`` so a resumed run continues bit for bit. A step with a schedule of its own
(scheduled sampling lowers teacher forcing over the run) declares a keyword-only ``progress``:
``loss_fn(model, batch, state, *, progress)`` then gets how far the run is, from 0 to 1, the number the
learning-rate schedule follows (steps, or the clock under ``minutes``; a resumed run goes on from where
it stopped).

``eval_fn(model)`` is called every ``eval_every`` steps and at the end, under ``torch.no_grad()`` with
``model.eval()`` and the model on ``config.device`` (a task's ``--device auto``: a GPU where torch sees one),
so it moves what it builds to ``rnnkit.device.model_device(model)``, as the Trainer moves each batch. It
returns a dict of floats that contains ``config.metric`` (default ``"loss"``, lower is better; set
``mode="max"`` for accuracy). The best value so far is kept in ``OUT/best/``.
Without an ``eval_fn`` the final model is the best one and the train loss is reported. ``on_eval``
sees each evaluation's record (``step``, ``elapsed``, ``train_loss``, ``val_<key>`` ...) and may end
the run by returning a reason (``"reached 0.001"``), which becomes ``TrainResult.stopped``.
``best_tensors(model)`` is called each time ``OUT/best`` is written, with the weights written there; the
tensors it returns are saved beside them (the language model's gradient statistics for dynamic
evaluation).

Stopping: after ``steps`` updates or ``minutes`` of wall clock (evaluation included), whichever comes
first (the clock is read between updates, so the update under way, all ``accumulate`` batches of it, and
the closing evaluation and save end past ``minutes``: an update is never cut short, where PyTorch
Lightning reads its ``max_time`` after each batch); or, with ``patience=N`` (``--patience``,
early stopping as Keras' ``EarlyStopping`` and OpenNMT-py's ``-early_stopping``), after the N-th
evaluation in a row that is no better than the best
(``stopped="patience"``; the count is saved with the run, so a resumed run goes on counting; with
``min_delta=D``, Keras' ``min_delta``, better means better by more than D, while ``OUT/best`` still keeps
any strictly better evaluation; a NaN or infinite one is no better, and a stop on one says so, with a lower
learning rate and clipping to try); Ctrl-C finishes
the current step, saves ``OUT/last`` and returns (``stopped="interrupted"``).
A non-finite loss or gradient norm, or a loss over ``blowup`` (None or >= 1) times a positive first one, is a
divergence: with ``on_diverge="raise"`` (default) :class:`TrainingDiverged` (a :class:`UserError`) names the step
and nothing is saved after the last good checkpoint; with ``"stop"`` the run ends with
``stopped="diverged"`` and the exception in ``TrainResult.diverged``. A fresh run that raises (diverged,
out of memory, an error) before its first checkpoint removes what it wrote in ``out_dir``.

The learning-rate schedule is a function of the step (or the fraction of the ``minutes`` budget
spent, whichever is further along; under ``schedule="plateau"``, of the reductions the evaluations called
for, saved with the run), so resuming a step-limited run is bit-exact on CPU: model,
optimiser, data position, carried state and the torch/Python/NumPy RNG states are all restored.
Under a ``minutes`` budget the schedule follows the clock, which is not reproducible.

With ``ema=DECAY`` (``--ema``) evaluations score, and ``best/`` keeps, a moving average of the weights
(:mod:`rnnkit.train.ema`); ``last/`` keeps both, and a finished ``fit()`` leaves the average in the model.

Under ``torchrun`` the same loop trains data-parallel (:mod:`rnnkit.train.distributed`: each process its
share of every batch, rank 0 alone writing); ``threads`` (None) lets it choose torch's thread count by
timing its first steps (:mod:`rnnkit.train.threads`).

Outputs under ``out_dir``: ``best/``, ``last/`` (checkpoint directories, see
:mod:`rnnkit.train.checkpoint`), ``metrics.jsonl`` (one JSON object per logged step: ``step``,
``elapsed``, ``train_loss``, ``lr``, ``grad_norm``, ``clipped``, ``tokens_per_s``, and ``val_<key>``
when evaluated) and ``loss.png``. Every logged record is also kept in ``Trainer.history``.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit import strictjson
from rnnkit.data.utf8 import unreadable
from rnnkit.device import resolve_device, to_device
from rnnkit.errors import UserError, check_finite, current_words, in_words, whole_number
from rnnkit.files import blocked_line, file_in_the_way, holds_work
from rnnkit.recurrent import detach_state
from rnnkit.train import distributed
from rnnkit.train.checkpoint import (
    LOCK,
    LOSS_PLOT,
    METRICS_LOG,
    OPTIMIZER_JSON,
    OPTIMIZER_TENSORS,
    REPORT_PAGE,
    RUN_FOLDERS,
    Checkpoint,
    best_record,
    clean_leftovers,
    discard_run,
    missing_folders,
    refuse_busy,
    refuse_run_output,
    run_lock,
    save_checkpoint,
    undone_on_failure,
)
from rnnkit.train.ema import WeightAverage
from rnnkit.train.lr_find import LearningRateCurve, LearningRateFound, run_range_test
from rnnkit.train.optim import build_optimizer, learning_rate
from rnnkit.train.provenance import other_validation, with_digests
from rnnkit.train.tensorboard import TENSORBOARD, TensorBoardLog
from rnnkit.train.threads import ThreadChooser

__all__ = [
    "BatchSource",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "TrainingDiverged",
    "check_blowup",
    "check_out_dir",
    "detach_state",
    "fast_bf16_available",
    "random_state_kept",
    "resolved_precision",
    "run_summary",
    "seed_everything",
]


class BatchSource(Protocol):
    """An endless supply of batches whose position can be saved and restored (JSON)."""

    def next_batch(self) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


LossFn = Callable[[nn.Module, Any, Any], tuple[Tensor, Any, Any]]
EvalFn = Callable[[nn.Module], dict[str, float]]
EvalHook = Callable[[dict[str, Any]], "str | None"]


class TrainingDiverged(UserError):
    """The loss or the gradient norm became NaN, infinite or too large; ``step`` says when, ``what``
    (``"training loss"`` or ``"gradient norm"``) and ``value`` what."""

    def __init__(self, message: str, step: int, what: str = "", value: float = math.nan, reason: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.what = what
        self.value = value
        self.reason = reason


@dataclass
class TrainConfig:
    """Everything about *how* to train (not what): the trainer's settings with their defaults."""

    steps: int | None = 1000          # stop after this many updates (None: only the clock stops it)
    minutes: float | None = None      # wall-clock budget, evaluation included
    optimizer: str = "adam"           # sgd | adam | adamw | rmsprop
    lr: float = 2e-3
    weight_decay: float = 0.0
    momentum: float = 0.9             # SGD only
    beta2: float = 0.999              # Adam/AdamW second-moment decay
    warmup: int = 0                   # linear warm-up steps
    schedule: str = "cosine"          # cosine | linear | step | constant | plateau
    min_lr_ratio: float = 0.0         # floor of cosine, linear and plateau, as a fraction of lr
    step_every: int = 1000            # step decay period
    gamma: float = 0.5                # step and plateau decay factor
    plateau_patience: int | None = None  # plateau: lower lr after this many evaluations no better (None: 2)
    clip: float | None = 5.0          # global gradient-norm threshold (None or 0: no clipping)
    eval_every: int = 200
    log_every: int = 20
    seed: int = 0
    metric: str = "loss"              # key of eval_fn's dict that picks the best checkpoint
    mode: str = "min"                 # min | max
    progress: bool | None = None      # tqdm bar; None: only when stderr is a terminal
    verbose: bool = True              # evaluation lines on stderr
    overwrite: bool = False           # allow a fresh run into an out_dir that holds one
    halt_at: int | None = None        # stop (and save last/) after this step; the schedule still runs to `steps`
    unit: str = "tok"                 # what loss_fn's n counts, for the progress bar
    precision: str = "fp32"           # fp32 | bf16 | auto: bf16 autocast around loss_fn where the hardware
                                      # has fast bf16 (weights, optimizer and evaluation stay fp32)
    save_every: int | None = None     # also save last/ every N steps (evaluations always save it)
    save_minutes: float | None = 5.0  # ... and every M minutes of training; always at the end and on Ctrl-C
    blowup: float | None = None       # a training loss over blowup x the first one is a divergence
    on_diverge: str = "raise"         # raise (TrainingDiverged) | stop (stopped="diverged")
    threads: int | None = None        # torch CPU threads; None: timed on the first steps, re-checked (threads.py)
    ema: float = 0.0                  # evaluate and keep a moving average of the weights with this decay (ema.py)
    accumulate: int = 1               # batches whose gradients one update sums (gradient accumulation)
    patience: int | None = None       # stop when this many evaluations in a row find no better metric than the best
    min_delta: float = 0.0            # ... better by more than this (patience only; best/ keeps any better one)
    device: str | None = None         # auto | cpu | cuda | cuda:N: move the model there (device.py); None: leave it
    tensorboard: bool = False         # also write each logged record as TensorBoard scalars to OUT/tensorboard/
    find_lr: bool = False             # run the learning-rate range test instead (lr_find.py): no model is saved

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})


def _budget_number(value: Any) -> bool:
    """Whether ``value`` can be a budget a run recorded: a number (not a bool), or None for none."""
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _budget_said(flag: str, value: float | None) -> str:
    """A budget as a flag says it (``--steps 795``, ``--minutes 1.5``), or ``no --minutes`` where there was none."""
    if not value:
        return f"no {flag}"
    return f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}"  # --steps 1000000, not 1e+06


def _in_a_row(count: int) -> str:
    """``an evaluation``, ``2 evaluations in a row``: the count in the stopping and plateau lines (at patience 1
    they said '1 evaluations in a row')."""
    return "an evaluation" if count == 1 else f"{count} evaluations in a row"


def _check_trainer_config(config: TrainConfig) -> None:
    """Refuse, before anything is built, the first of ``config``'s settings the trainer cannot run with: a
    ``mode`` or ``on_diverge`` it does not know, no end (neither steps nor minutes), then the flags' checks."""
    if config.mode not in ("min", "max"):
        raise UserError(f"mode {config.mode!r}: expected 'min' or 'max'")
    if config.on_diverge not in ("raise", "stop"):
        raise UserError(f"on_diverge {config.on_diverge!r}: expected 'raise' or 'stop'")
    if not config.steps and not config.minutes:
        raise UserError("give --steps N or --minutes M (or both): the run needs an end")
    _check_settings(config)


def _with_data_digests(model_config: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``model_config`` (``{}`` for None) whose ``"data"`` record, when it has one, also holds the
    digests of the files it names (:func:`rnnkit.train.provenance.with_digests`)."""
    model_config = dict(model_config or {})
    if isinstance(model_config.get("data"), dict):
        model_config["data"] = with_digests(model_config["data"])
    return model_config


def _check_settings(config: TrainConfig) -> None:
    """The checks the flags and the tasks' ``validate_training`` make, for a Trainer built directly (a
    negative clip climbed the gradient, negative steps ran none and called it done)."""
    from rnnkit.train.options import TrainSettings

    values = {f.name: getattr(config, f.name) for f in fields(TrainSettings)}
    for name in ("log_every", "eval_every"):  # 0 means never here, where the flags take 1 or more
        values[name] = values[name] or 1
    values["device"] = values["device"] or "auto"  # None: the model stays where it is
    TrainSettings(**values).validate_training()
    check_blowup(config.blowup)


def check_blowup(blowup: object) -> None:
    """Refuse a ``blowup`` other than None (no such check) or a finite number >= 1 with a :class:`SettingError`:
    under 1 the first loss is over it and the run "diverged" at step 1; 0 and NaN turned the check off."""
    if blowup is not None:
        check_finite("blowup", blowup, "expected a number >= 1 (a loss over blowup x the first is a divergence) "
                                       "or None", least=1.0)


@dataclass
class TrainResult:
    """What a finished (or stopped) run reports."""

    best_metric: float | None
    best_step: int | None
    metric: str
    steps: int
    seconds: float
    tokens: int
    tokens_per_s: float
    stopped: str                    # steps | minutes | patience | interrupted | halt_at | diverged | an on_eval reason
    out_dir: Path | None
    last_eval: dict[str, float] = field(default_factory=dict)
    diverged: TrainingDiverged | None = None
    best_eval: dict[str, float] = field(default_factory=dict)  # the whole evaluation of the best checkpoint
    #: Ctrl-C came during the run (:attr:`Trainer.ctrl_c_pressed`), also in its last step or evaluation, where
    #: it ended on ``steps`` or ``minutes``: a caller that runs several (a search's trials) stops on it
    ctrl_c_pressed: bool = False
    #: the words :meth:`where` says its line in: the command line's flags (``--resume OUT``), or the keywords of
    #: the call of the Python API that trained it (``resume=True``; :func:`rnnkit.errors.current_words`)
    words: Callable[[str], str] = field(default=current_words(), repr=False, compare=False)

    def at_best(self, key: str) -> float | None:
        """The value of ``key`` (``"accuracy"``, ``"loss"`` ...) in the evaluation of the kept checkpoint,
        whichever metric chose it; None when that evaluation did not record it."""
        return self.best_metric if key == self.metric else self.best_eval.get(key)

    def model_dir(self) -> Path | None:
        """``OUT/best`` when the run has written one (a run stopped before its first evaluation has not)."""
        best = Path(self.out_dir or ".") / "best"
        return best if best.is_dir() else None

    def where(self) -> str:
        """Where the closing line of a run says its model is; with the way on when it was interrupted."""
        best = self.model_dir()
        out = Path(self.out_dir or ".")
        # evaluations that were all NaN or infinite keep no best model either; 'no evaluation yet' misled
        why = "no finite evaluation" if self.last_eval else "no evaluation yet"
        text = f"model in {best}" if best else f"{why}, so no best model; the run is in {out / 'last'}"
        return self.words(text + (f"; interrupted: continue with --resume {out}" if self.stopped == "interrupted"
                                   else ""))

    def extended(self, cls: type[_Result], **extra: Any) -> _Result:
        """This result as a task's subclass of it (classify's ``ClassifyResult``, speech's ``SpeechResult``): its
        :class:`TrainResult` fields, and ``extra``, the subclass's own."""
        return cls(**{f.name: getattr(self, f.name) for f in fields(TrainResult)}, **extra)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["words"]
        out["out_dir"] = str(self.out_dir) if self.out_dir is not None else None
        out["diverged"] = str(self.diverged) if self.diverged is not None else None
        return out


#: a subclass of :class:`TrainResult` (:meth:`TrainResult.extended`)
_Result = TypeVar("_Result", bound=TrainResult)


def run_summary(result: TrainResult) -> dict[str, Any]:
    """The keys every task's ``rnnkit train --json`` line ends with: ``steps``, ``seconds``, ``tokens_per_s`` (the
    items a second: characters, tokens or texts, as ``metrics.jsonl`` names it), ``stopped`` and ``model_dir``
    (``OUT/best``; None before the first evaluation)."""
    best = result.model_dir()
    return {"steps": result.steps, "seconds": round(result.seconds, 2), "tokens_per_s": round(result.tokens_per_s, 1),
            "stopped": result.stopped, "model_dir": str(best) if best else None}


def seed_everything(seed: int) -> None:
    """Seed torch, Python's ``random`` and NumPy."""
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


@contextlib.contextmanager
def random_state_kept() -> Iterator[None]:
    """The block's seeding and draws leave the caller's random state as it was: torch's generator (and each
    CUDA device's where the caller has used CUDA; a CPU run starts no CUDA context, which a later fork would not
    survive), Python's ``random`` and NumPy's, restored on the way out (an error or a Ctrl-C too). What
    :func:`rnnkit.fit` and :func:`rnnkit.load` run in: ``fit(seed=...)`` seeds its own training with
    :func:`seed_everything` and loading builds a model whose initial weights are drawn, but neither changes what
    a notebook's next ``torch.rand`` gives, as Keras' ``fit`` and Lightning's ``Trainer.fit`` leave the global
    generators to the user's own ``seed_everything``."""
    python, numpy, cpu = random.getstate(), np.random.get_state(), torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else []
    try:
        yield
    finally:
        random.setstate(python)
        np.random.set_state(numpy)
        torch.set_rng_state(cpu)
        if cuda:
            torch.cuda.set_rng_state_all(cuda)


def _flatten_state(state: Any) -> tuple[str, dict[str, Tensor]]:
    """The carried state as a layout string and tensors ``carry.i``: None, a tensor, a flat tuple of them, or
    a tree of tuples whose leaves are tensors, None or a memory of the text read (an object with a
    ``tensors()`` method, such as :class:`rnnkit.models.match.MatchState`, saved as that tensor)."""
    if state is None:
        return "none", {}
    if isinstance(state, Tensor):
        return "tensor", {"carry.0": state}
    if isinstance(state, (tuple, list)) and all(isinstance(s, Tensor) for s in state):
        return f"tuple:{len(state)}", {f"carry.{i}": s for i, s in enumerate(state)}
    leaves: list[Tensor] = []

    def layout(node: Any) -> Any:
        if node is None:
            return None
        if isinstance(node, (tuple, list)):
            return [layout(n) for n in node]
        if not isinstance(node, Tensor) and callable(getattr(node, "tensors", None)):
            node = node.tensors()
        if not isinstance(node, Tensor):
            raise TypeError("the carried state must be tensors, tuples of them and None to be saved")
        leaves.append(node)
        return len(leaves) - 1

    tree = layout(state)
    return "tree:" + json.dumps(tree), {f"carry.{i}": t for i, t in enumerate(leaves)}


def _unflatten_state(kind: str, tensors: dict[str, Tensor]) -> Any:
    if kind == "none":
        return None
    if kind == "tensor":
        return tensors["carry.0"]
    if kind.startswith("tree:"):
        def build(node: Any) -> Any:
            if node is None:
                return None
            if isinstance(node, list):
                return tuple(build(n) for n in node)
            if not whole_number(node):
                raise ValueError(f"a carried state's layout has {node!r} where a tensor's number belongs")
            return tensors[f"carry.{node}"]

        try:
            return build(json.loads(kind[5:]))
        except json.JSONDecodeError as exc:
            raise ValueError(f"carry layout {kind!r}: {exc}") from None
    n = int(kind.split(":")[1])
    return tuple(tensors[f"carry.{i}"] for i in range(n))


def _holds_files(folder: Path) -> bool:
    """Whether ``folder`` holds anything but :data:`rnnkit.files.LITTER` (a Mac's ``.DS_Store`` of a ``best/`` the
    user looked into was refused as their files); one that cannot be listed is refused in one line
    (``rnnkit.fit`` raised the PermissionError of ``iterdir``)."""
    try:
        return holds_work(folder)
    except OSError as exc:
        raise unreadable(folder, exc) from None


def check_out_dir(out_dir: str | Path, *, overwrite: bool = False) -> None:
    """Refuse (UserError) to start a fresh run in a directory that already holds one, unless overwrite.

    A file where the folder (or one above it) must be is refused too, and so is a folder inside another
    run's ``best/`` or ``last/`` or one of its own files (:func:`rnnkit.train.checkpoint.refuse_run_output`),
    which that run's next save would take with it (its search's ``autotune/`` holds the trials, runs of their
    own). Tasks call it before loading data so the mistake is reported at once; the Trainer checks again.
    """
    out_dir = Path(out_dir)
    if blocker := file_in_the_way(out_dir):
        raise UserError(blocked_line(blocker, out_dir))
    refuse_run_output(out_dir, "--out", "give another --out", RUN_FOLDERS)
    taken = [d for d in ("best", "last") if (out_dir / d / "config.json").exists()]
    if taken and not overwrite:
        # only a last/ resumes: a best/ alone (a run stopped while saving last/ the first time) does not
        go_on = f"continue it with --resume {out_dir}, or " if "last" in taken else "it has no last/ to resume from; "
        raise UserError(
            f"{out_dir}: already holds a trained model; {go_on}start again with --overwrite (or another --out)"
        )
    theirs = _users_files(out_dir)
    if theirs and not taken and not overwrite and not refuse_busy(out_dir):  # a run writing there is named so
        raise UserError(f"{out_dir}: holds {theirs[0]}, which a run writes over; move it away, give another --out, or "
                        "start with --overwrite")


def _users_files(out_dir: Path) -> list[str]:
    """What ``out_dir`` holds under the names a run writes, said as the refusal says it: a run writes these over
    whatever is there, and removes them when it fails before its first save; its saves replace a ``best/`` or
    ``last/`` whole, so one holding files of the user's (not a checkpoint) is theirs too: a run into a project's
    folder took its ``best/`` without a word; a file of that name it swapped for the folder, the user's file left
    under a hidden ``.best.tmp-*`` name. A ``best/`` of files was said "a best/ but no saved run (no best/ or last/
    checkpoint)", which read as a contradiction."""
    names = (METRICS_LOG, LOSS_PLOT, REPORT_PAGE, f"{TENSORBOARD}/")
    theirs = [f"a {name} but no saved run (no best/ or last/ checkpoint)" for name in names
              if (out_dir / name).exists()]
    for d in ("best", "last"):
        if (out_dir / d).is_dir():
            if _holds_files(out_dir / d):
                theirs.append(f"a {d}/ that is not a checkpoint (no config.json; it holds other files)")
        elif (out_dir / d).exists() or (out_dir / d).is_symlink():
            theirs.append(f"a {d} that is not a folder (where a run saves its {d}/ checkpoint)")
    return theirs


def fast_bf16_available(model: nn.Module | None = None) -> bool:
    """True when bf16 autocast is likely faster than fp32: a CUDA device with bf16, or a CPU with
    AVX512-BF16 or AMX (read from /proc/cpuinfo)."""
    param = next(iter(model.parameters()), None) if model is not None else None
    if param is not None and param.device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "avx512_bf16" in line or "amx_bf16" in line
    except OSError:
        pass
    return False


def resolved_precision(precision: str, model: nn.Module | None = None) -> str:
    """``precision`` as training runs it: ``auto`` becomes ``bf16`` where :func:`fast_bf16_available`,
    else ``fp32``; any other value is returned as it is."""
    if precision != "auto":
        return precision
    return "bf16" if fast_bf16_available(model) else "fp32"


def _python_rng_to_json() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _numpy_rng_to_json() -> list[Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]


@dataclass
class _Interval:
    """Running sums between two log lines."""

    loss: float = 0.0
    items: int = 0
    norms: list[float] = field(default_factory=list)
    clipped: int = 0
    seconds: float = 0.0

    def add(self, loss: float, items: int, norm: float, clipped: bool, seconds: float) -> None:
        self.loss += loss
        self.items += items
        self.norms.append(norm)
        self.clipped += int(clipped)
        self.seconds += seconds

    def reset(self) -> None:
        self.loss, self.items, self.norms, self.clipped, self.seconds = 0.0, 0, [], 0, 0.0

    def record(self, step: int, elapsed: float, lr: float) -> dict[str, Any]:
        return {
            "step": step,
            "elapsed": round(elapsed, 3),
            "train_loss": self.loss / max(self.items, 1),
            "lr": lr,
            "grad_norm": self.norms[-1],
            "grad_norm_mean": sum(self.norms) / len(self.norms),
            "clipped": self.clipped / len(self.norms),
            "tokens_per_s": round(self.items / max(self.seconds, 1e-9), 1),
        }


def _saved_count(name: str, value: Any, least: int = 0) -> int:
    """A count of ``trainer_state.json`` (``name``: its field), refused (ValueError) unless a whole number >= ``least``:
    int() read a damaged 3.7, "3" or true as 3, 3 and 1, and the run resumed on it without a word."""
    if not whole_number(value) or value < least:
        raise ValueError(f"{name} {value!r}: expected a whole number >= {least}")
    return int(value)


def _damaged_state(ckpt: Checkpoint, exc: Exception) -> UserError:
    """The refusal of a checkpoint whose ``trainer_state.json`` holds a damaged field (``exc`` says which)."""
    return UserError(f"{ckpt.path}/trainer_state.json: not the state of a run ({type(exc).__name__}: {exc}); resume "
                     "from an undamaged run or start afresh with --overwrite")


def _restored_interval(saved: Any) -> _Interval:
    """The sums of ``trainer_state.json``'s ``interval`` (an empty one for a run saved before it was kept), so
    the resumed run's next record averages the same updates as the unbroken run's: it averaged only those after
    the resume, and a run stopped between two records logged another train loss than the unbroken one. Damaged sums
    are refused: a NaN loss was logged as a null train_loss, negative seconds as a speed in the billions, counts
    that are no whole numbers (3.7, "3", true) as 3 and 1."""
    if saved is None:
        return _Interval()
    if not (whole_number(saved["items"]) and whole_number(saved["clipped"])):
        raise ValueError(f"interval {saved}: expected whole counts of items and clipped updates")
    interval = _Interval(float(saved["loss"]), saved["items"], [float(v) for v in saved["norms"]],
                         saved["clipped"], float(saved["seconds"]))
    if min(interval.items, interval.clipped, interval.seconds) < 0 or interval.clipped > len(interval.norms):
        raise ValueError(f"interval {saved}: expected counts and seconds >= 0, at most one clipped update a norm")
    if not all(map(math.isfinite, (interval.loss, interval.seconds, *interval.norms))):  # a run saves none
        raise ValueError(f"interval {saved}: expected finite sums")
    return interval


def _restored_first_loss(saved: Any) -> float | None:
    """The run's first loss, which ``blowup`` multiplies (None: a run saved before it was kept, which takes its
    first update after the resume, as resumed runs all did: a loss over ``blowup`` times that one was a divergence
    the unbroken run did not have, or the other way round)."""
    if saved is None:
        return None
    first = float(saved)
    if not math.isfinite(first):
        raise ValueError(f"first_loss {saved}: expected a finite number")
    return first


class Trainer:
    """Trains ``model`` with ``loss_fn`` on ``batches``; evaluates, checkpoints, logs and resumes.

    See the module docstring for the contract of ``batches``, ``loss_fn``, ``eval_fn`` and ``on_eval``.
    """

    def __init__(
        self,
        model: nn.Module,
        config: TrainConfig,
        *,
        batches: BatchSource,
        loss_fn: LossFn,
        out_dir: str | Path | None = None,
        model_config: dict[str, Any] | None = None,
        eval_fn: EvalFn | None = None,
        on_eval: EvalHook | None = None,
        vocab: Any = None,
        resume: Checkpoint | None = None,
        optimizer: torch.optim.Optimizer | None = None,
        best_tensors: Callable[[nn.Module], dict[str, Tensor]] | None = None,
    ) -> None:
        _check_trainer_config(config)
        out_dir = self._take_rank(config, out_dir)
        if config.device is not None:
            model.to(resolve_device(config.device))
        self.model = model
        config.precision = resolved_precision(config.precision, model)
        self.cfg = config
        self.batches = batches
        self.loss_fn = loss_fn
        self._loss_takes_progress = _has_keyword(loss_fn, "progress")
        self.eval_fn = eval_fn
        if config.schedule == "plateau" and eval_fn is None:
            raise UserError("--schedule plateau lowers the learning rate when the validation score stops improving; "
                            "this run has no validation to evaluate")
        # it trained to the end, its --patience (and --min-delta) unread; a run saved so resumes, as no flag unsets it
        if config.patience and eval_fn is None and resume is None:
            raise UserError(f"--patience {config.patience} stops the run when the validation score stops improving; "
                            "this run has no validation to evaluate")
        self.on_eval = on_eval
        self.best_tensors = best_tensors
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.model_config = _with_data_digests(model_config)
        self.vocab = vocab
        self._build_optimizer(optimizer)
        self._start_at_zero()
        if resume is not None:
            self._restore(resume)
        elif self.out_dir is not None:
            check_out_dir(self.out_dir, overwrite=self.cfg.overwrite)

    def _take_rank(self, config: TrainConfig, out_dir: str | Path | None) -> str | Path | None:
        """This process's rank (``self.ranks``); under torchrun only rank 0 writes, logs and shows progress, so
        every other rank turns off ``config``'s progress bar and messages and gets no output directory (None);
        returns the output directory this process writes to."""
        self.ranks = distributed.ranks()
        if not self.ranks.is_main:
            config.progress, config.verbose, out_dir = False, False, None
        return out_dir

    def _build_optimizer(self, optimizer: torch.optim.Optimizer | None) -> None:
        """The trainable parameters, the optimizer over them (``optimizer``, or the one ``cfg`` names) and the
        moving average of the weights when ``cfg.ema`` asks for one."""
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = optimizer or build_optimizer(
            self.cfg.optimizer, self.params, lr=self.cfg.lr, weight_decay=self.cfg.weight_decay,
            momentum=self.cfg.momentum, betas=(0.9, self.cfg.beta2),
        )
        self.average = WeightAverage(self.model, self.cfg.ema) if self.cfg.ema else None

    def _start_at_zero(self) -> None:
        """The state of a fresh run: step 0, no best yet, nothing evaluated, logged or saved, no progress bar,
        one process; a resumed run's ``_restore`` then replaces the progress with the checkpoint's."""
        self.step = 0
        self.elapsed = 0.0
        self.train_seconds = 0.0
        self.tokens = 0
        self.best_metric: float | None = None
        self.best_step: int | None = None
        self.best_eval: dict[str, float] = {}
        self.last_saved_step: int | None = None
        self.last_eval: dict[str, float] = {}
        self.last_eval_step: int | None = None
        self.evals_since_best = 0   # evaluations since the best one (patience)
        self.patience_best: tuple[float, int] | None = None  # the metric and step patience counts from
        self.plateau_evals = 0      # evaluations since patience_best or the last reduction (--schedule plateau)
        self.lr_reductions = 0      # times the plateau schedule lowered the learning rate
        self.first_loss: float | None = None
        self.interval = _Interval()  # the updates since the last logged record (saved: a resumed run sums on)
        self.history: list[dict[str, Any]] = []
        self.carry: Any = None
        self._stop_requested = False
        self._start = 0.0
        self._saved_at = time.perf_counter()
        self._bar: Any = None
        self._tensorboard: TensorBoardLog | None = None
        self._par: distributed.SingleProcess = distributed.SINGLE

    # ------------------------------------------------------------------ the loop
    def fit(self) -> TrainResult:
        """Train until ``steps``, ``minutes``, ``halt_at``, an ``on_eval`` reason or Ctrl-C. A fresh run that
        fails (out of memory, diverged, an error) before it saved a checkpoint removes what it wrote."""
        fresh, made = self.step == 0, missing_folders(self.out_dir)
        # a lock file this run makes goes with a failed fresh run, also beside the user's files in OUT
        lock_made = self.out_dir is not None and not (Path(self.out_dir) / LOCK).exists()
        # what a failed fresh run removes as its own, from when it takes OUT over (below): one refused before (by
        # torchrun's checks) leaves an --overwrite's old metrics.jsonl and tensorboard/ as they were
        files: list[str] = []
        folders: list[str] = []
        # inside the lock: a run refused for another's lock on OUT must not remove that one's files
        with distributed.process_group(), run_lock(self.out_dir), undone_on_failure(
                self.out_dir, files, lambda: not fresh or self._saved(), made, folders, lock_made):
            if self.out_dir is not None:  # under the lock: another run's temporary files are not ours to remove
                clean_leftovers(self.out_dir)
            self._par = distributed.parallel(self.model, self.loss_fn, self.model_config.get("data"))
            if self._par.rank and self.step == 0:  # a fresh run: each process its own dropout masks
                _seed_apart(self.cfg.seed, self._par.rank)
            self.batches = self._par.shard(self.batches)
            # after torchrun's checks (check_alike): a run they refuse keeps the old one whole, an earlier search's
            # record beside it too; from here OUT is this run's (a failure undoes its files)
            if self.out_dir is not None and self.step == 0 and self.cfg.overwrite:
                discard_run(self.out_dir)
            files += (METRICS_LOG, LOSS_PLOT)
            folders.append(TENSORBOARD)
            self._threads = ThreadChooser(self.cfg.threads)
            try:
                if self.cfg.tensorboard and self.out_dir is not None:  # inside: closed whatever ends the run
                    self._tensorboard = TensorBoardLog(self.out_dir / TENSORBOARD, self.step)
                if self.cfg.find_lr:  # the curve leaves as an exception: the task writes no model, OUT is undone
                    raise LearningRateFound(self._range_test())
                return self._fit()
            finally:
                self._par = distributed.SINGLE
                self._threads.close()
                if self._tensorboard is not None:
                    self._tensorboard.close()
                    self._tensorboard = None

    def _fit(self) -> TrainResult:
        with self._ctrl_c_requests_stop():  # a Ctrl-C in it asks the run to stop, as in the loop
            self._load_plotting()  # before the clock starts: its second or more is no part of the run's minutes
        self._open_run()
        interval = self.interval
        resumed_at = self.step
        stopped: str | None = None
        diverged: TrainingDiverged | None = None
        try:
            with self._ctrl_c_requests_stop():
                while (stopped := self._stop_reason()) is None:
                    progress = self._progress()  # one reading for the learning rate and the loss function
                    lr = self._set_learning_rate(progress)
                    self._threads.before_step()
                    t0 = time.perf_counter()
                    loss, items, norm = self._update(lr, progress)
                    seconds = time.perf_counter() - t0
                    if (note := self._threads.after_step(seconds, items)) is not None:
                        self._say(note)
                    self._count(items, seconds)
                    interval.add(loss, items, norm, norm > self._max_norm, seconds)
                    stopped = self._after_step(interval, lr)
                    if stopped is not None:
                        break
        except TrainingDiverged as exc:
            if self.cfg.on_diverge == "raise":
                raise
            stopped, diverged = "diverged", exc
        finally:
            self._close_run()
        if diverged is None:
            self._finish(stopped)
        if 0 < resumed_at == self.step and stopped in ("steps", "minutes"):
            self._say_spent(stopped)
        return self._result(stopped, diverged)

    def _say_spent(self, stopped: str) -> None:
        """One line when a resumed run took no step, its budget spent (``stopped``: ``steps``, or ``minutes``, the
        whole run's training time, kept from the run unless given again): ``--resume OUT --steps 2000`` of a run of
        ``--minutes 20`` ended at once on the kept minutes, with the old closing line and not a word."""
        flag = "--steps" if stopped == "steps" else "--minutes"
        spent = (f"--steps {self.cfg.steps}" if stopped == "steps" else f"--minutes {self.cfg.minutes:g} "
                 f"({self.elapsed / 60:.2f} min trained; --minutes counts the whole run)")
        self._say(f"the resumed run took no step: it had already reached {spent}; give a larger {flag} to train on")

    def _range_test(self) -> LearningRateCurve:
        """``find_lr``: the learning-rate range test (:mod:`rnnkit.train.lr_find`) on this run's model, optimizer
        and batches, each update as :meth:`_update` makes it (clipping, accumulation, autocast); nothing is
        logged or saved."""

        def update(lr: float) -> tuple[float, int]:
            loss, items, _ = self._update(lr, 0.0)
            return loss, items

        return run_range_test(update, self._put_learning_rate)

    def _after_step(self, interval: _Interval, lr: float) -> str | None:
        """Log, evaluate and save when due; returns an ``on_eval`` reason to stop, or None."""
        at_end = bool(self.cfg.steps) and self.step >= self.cfg.steps
        do_eval = self.eval_fn is not None and (self._due(self.cfg.eval_every) or at_end)
        reason = None
        if do_eval or at_end or self._due(self.cfg.log_every):
            record = interval.record(self.step, self.elapsed, lr)
            interval.reset()  # before the evaluation saves last/: it holds the sums of steps not yet logged
            self._show_progress(record)
            reason = self._evaluate_into(record, record["train_loss"]) if do_eval else None
            self._log(record)
        if not do_eval and self._save_due():
            self.save_last()
        return reason

    def _due(self, every: int | None) -> bool:
        return bool(every) and self.step % every == 0

    def _save_due(self) -> bool:
        """A periodic save of last/ between evaluations (``save_every`` steps, ``save_minutes``)."""
        return bool(self._par.agree(int(self._save_due_here())))

    def _save_due_here(self) -> bool:
        if self.out_dir is None:
            return False
        if self.cfg.save_every and self.step - (self.last_saved_step or 0) >= self.cfg.save_every:
            return True
        return bool(self.cfg.save_minutes) and time.perf_counter() - self._saved_at >= 60.0 * self.cfg.save_minutes

    # ------------------------------------------------------------------ one update
    @property
    def _max_norm(self) -> float:
        return self.cfg.clip if self.cfg.clip else math.inf

    def _set_learning_rate(self, progress: float) -> float:
        c = self.cfg
        lr = learning_rate(
            c.lr, self.step, progress, schedule=c.schedule, warmup_steps=c.warmup,
            min_lr_ratio=c.min_lr_ratio, step_every=c.step_every, gamma=c.gamma, reductions=self.lr_reductions,
        )
        self._put_learning_rate(lr)
        return lr

    def _put_learning_rate(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _update(self, lr: float, progress: float) -> tuple[float, int, float]:
        """Forward, backward, clip and step on the next batch (``accumulate`` batches, their gradients summed,
        each starting from the state the one before carried); returns (summed loss, items, grad norm)."""
        extra = {"progress": progress} if self._loss_takes_progress else {}
        accumulate = self.cfg.accumulate
        loss_value, n_items = 0.0, 0
        for i in range(accumulate):
            batch = to_device(self.batches.next_batch(), self._device())
            with self._par.no_sync() if i < accumulate - 1 else contextlib.nullcontext():  # one average, at the last
                with self._autocast():
                    loss_sum, items, new_state = self._par.loss(self.loss_fn, self.model, batch, self.carry, **extra)
                batch_loss, items = self._par.totals(loss_sum.detach(), int(items))  # over all processes
                if not math.isfinite(batch_loss):  # at once: no backward through it
                    self._check_loss(batch_loss, items, lr)
                loss_value, n_items = loss_value + batch_loss, n_items + items
                (loss_sum / self._par.divisor(items) if accumulate == 1 else loss_sum).backward()
            if accumulate > 1:
                self.carry = detach_state(new_state)
        self._check_loss(loss_value, n_items, lr)  # the update's, as one batch of all its items would be checked
        if accumulate > 1:  # the mean over all the batches' items, as one batch of them all would give
            divisor = self._par.divisor(n_items)
            for p in self.params:
                if p.grad is not None:
                    p.grad.div_(divisor)
        norm = float(torch.nn.utils.clip_grad_norm_(self.params, self._max_norm))
        if not math.isfinite(norm):
            raise self._diverged("gradient norm", norm, lr, {"train_loss": loss_value / max(n_items, 1)})
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.average is not None:
            self.average.update()
        self.carry = detach_state(new_state)
        self.step += 1
        return loss_value, n_items, norm

    def _check_loss(self, loss_sum: float, items: int, lr: float) -> None:
        """A divergence when the mean loss of ``items`` summing to ``loss_sum`` is not finite, or over ``blowup``
        times the first update's where that is positive (a loss of 0 or below, a custom loss's, has no multiple to
        grow past: every later loss was over 1e-8); an update of no items (its 0 was taken for the first loss, and
        every later one was over any multiple of it) is no measure of either."""
        mean_loss = loss_sum / max(items, 1)
        if not math.isfinite(mean_loss):
            raise self._diverged("training loss", mean_loss, lr, {"train_loss": mean_loss})
        if not items:
            return
        if self.first_loss is None:
            self.first_loss = mean_loss
        limit = self.cfg.blowup
        if limit and self.first_loss > 0 and mean_loss > limit * self.first_loss:
            raise self._diverged("training loss", mean_loss, lr, {"train_loss": mean_loss},
                                 f"over {limit:g}x the first ({self.first_loss:.3g})")

    def _count(self, items: int, seconds: float) -> None:
        self.train_seconds += seconds
        self.tokens += items
        self.elapsed = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.update(1)

    def _autocast(self) -> Any:
        if self.cfg.precision == "fp32":
            return contextlib.nullcontext()
        if self.cfg.precision == "bf16":
            device = next(iter(self.params)).device.type if self.params else "cpu"
            return torch.autocast(device, dtype=torch.bfloat16)
        raise UserError(f"--precision {self.cfg.precision!r}: expected fp32 or bf16")

    # ------------------------------------------------------------------ when to stop
    def _progress(self) -> float:
        parts = []
        if self.cfg.steps:
            parts.append(self.step / self.cfg.steps)
        if self.cfg.minutes:
            parts.append((time.perf_counter() - self._start) / (60.0 * self.cfg.minutes))
        return max(parts)

    @property
    def ctrl_c_pressed(self) -> bool:
        """Whether Ctrl-C came during :meth:`fit`: also when it came in the last step or evaluation, where the
        run then ends on its ``steps`` or ``minutes`` (it was done) rather than as ``interrupted``. A caller
        that runs several fits (an experiment's cells and seeds) stops on it."""
        return self._stop_requested

    def _stop_reason(self) -> str | None:
        """Why the run ends now (rank 0's answer on every process; Ctrl-C on any process stops them all), or
        None."""
        reasons = (None, "steps", "minutes", "halt_at", "interrupted")
        index, interrupted = self._par.agree_any(reasons.index(self._stop_reason_here()), self._stop_requested)
        return reasons[index] or ("interrupted" if interrupted else None)

    def _stop_reason_here(self) -> str | None:
        c = self.cfg
        reached = self._budget_reached(time.perf_counter() - self._start)
        if reached:
            return reached
        if c.halt_at is not None and self.step >= c.halt_at:
            return "halt_at"
        if self._stop_requested:
            return "interrupted"
        return None

    @contextlib.contextmanager
    def _ctrl_c_requests_stop(self) -> Iterator[None]:
        """The first Ctrl-C asks the loop to stop after this step (and save); the second one interrupts."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: Any) -> None:
            if self._stop_requested:
                raise KeyboardInterrupt
            self._stop_requested = True

        old = signal.signal(signal.SIGINT, request_stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old)

    def _diverged(self, what: str, value: float, lr: float, extra: dict[str, Any], why: str = "") -> TrainingDiverged:
        if self.out_dir is None:
            kept = "nothing is saved in this mode"
        elif self.last_saved_step is not None:
            kept = f"the last good checkpoint ({self.out_dir / 'last'}, step {self.last_saved_step}) is intact"
        else:
            kept = "no checkpoint had been written yet"
        self._log({"step": self.step + 1, "elapsed": round(self.elapsed, 3), "diverged": what,
                   "value": str(value), "lr": lr, **extra})
        became = f"became {value:.4g}, {why}" if why else f"became {value}"
        return TrainingDiverged(
            f"step {self.step + 1}: the {what} {became} (training diverged) and the run stopped; {self._cure()}; "
            f"{kept}",
            self.step + 1, what, value, why,
        )

    # ------------------------------------------------------------------ evaluation
    def evaluate(self) -> dict[str, float]:
        """Run ``eval_fn`` in eval mode without gradients; restores training mode."""
        if self.eval_fn is None:
            return {}
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                result = self._par.from_main(lambda: {k: float(v) for k, v in self.eval_fn(self.model).items()})
        finally:
            self.model.train(was_training)
        if self.cfg.metric not in result:
            raise KeyError(f"eval_fn returned {sorted(result)}, without the metric {self.cfg.metric!r}")
        return result

    def _evaluate_into(self, record: dict[str, Any], train_loss: float | None) -> str | None:
        """Evaluate, add ``val_*`` to ``record``, keep the best and save; returns ``on_eval``'s reason."""
        with self._averaged():
            self.last_eval = self.evaluate()
        self.last_eval_step = self.step
        self.elapsed = time.perf_counter() - self._start
        record["elapsed"] = round(self.elapsed, 3)
        record.update({f"val_{k}": v for k, v in self.last_eval.items()})
        value = self.last_eval[self.cfg.metric]
        better = self._is_better(value)
        if better:
            self.best_metric, self.best_step, self.best_eval = value, self.step, dict(self.last_eval)
        shown = f"train loss {train_loss:.4f}, " if train_loss is not None else ""
        speed = f", {record['tokens_per_s']:,.0f} {self.cfg.unit}/s" if "tokens_per_s" in record else ""
        self._say(f"step {self.step}: {shown}val {self.cfg.metric} {value:.4f}{' (best)' if better else ''}{speed}")
        self._count_patience(value)  # after the line above: the plateau schedule may say it lowers the rate
        if better:
            self.save_best()
        self.save_last()
        reason = self.on_eval(record) if self.on_eval is not None else None
        if reason is None and self.cfg.patience and self.evals_since_best >= self.cfg.patience:
            self._say(f"stopping early: {_in_a_row(self.evals_since_best)} of val {self.cfg.metric} "
                      f"{self._no_better_than()} (patience {self.cfg.patience}){self._not_finite(value)}")
            reason = "patience"
        return reason

    def _count_patience(self, value: float) -> None:
        """Count an evaluation towards ``patience``: one better than the metric patience counts from by more
        than ``min_delta`` (strictly better at 0, the rule of ``best/``) starts the count again, as Keras'
        ``EarlyStopping(min_delta=...)`` does; smaller gains add up, as they are measured from that metric."""
        ref = None if self.patience_best is None else self.patience_best[0]
        delta = self.cfg.min_delta
        shifted = value + delta if self.cfg.mode == "min" else value - delta
        if math.isfinite(value) and (ref is None or self._improves(shifted, ref)):
            self.patience_best = (value, self.step)
            self.evals_since_best = self.plateau_evals = 0
        else:
            self.evals_since_best += 1
            self.plateau_evals += 1
            if self.cfg.schedule == "plateau" and self.plateau_evals >= (self.cfg.plateau_patience or 2):
                self._lower_learning_rate()

    def _lower_learning_rate(self) -> None:
        """``--schedule plateau``'s step, as Keras' ``ReduceLROnPlateau`` takes it (with no cooldown): after
        ``plateau_patience`` evaluations no better, the rate is multiplied by ``gamma`` (down to its floor,
        ``min_lr_ratio``) and the count starts again from the same best."""
        evals, self.plateau_evals = self.plateau_evals, 0
        c = self.cfg
        if c.gamma ** self.lr_reductions <= c.min_lr_ratio:
            return  # at the floor already
        self.lr_reductions += 1
        lr = c.lr * max(c.gamma ** self.lr_reductions, c.min_lr_ratio)
        self._say(f"lowering the learning rate to {lr:.3g}: {_in_a_row(evals)} of val {c.metric} "
                  f"{self._no_better_than()} (--schedule plateau)")

    def _improves(self, value: float, ref: float) -> bool:
        return value < ref if self.cfg.mode == "min" else value > ref

    def _no_better_than(self) -> str:
        """What the evaluations since patience last counted from failed to beat, for the stopping line."""
        if self.patience_best is None:  # 'an evaluation of val loss none of them finite' at patience 1
            return "not finite"
        value, step = self.patience_best
        by = f" by more than {self.cfg.min_delta:g}" if self.cfg.min_delta else ""
        return f"no better than step {step}'s {value:.4f}{by}"

    def _not_finite(self, value: float) -> str:
        """For the stopping line of an evaluation whose metric is NaN or infinite (no better than anything, as
        Keras' EarlyStopping counts it; Lightning's ``check_finite`` stops on it by itself): that it is, and the
        usual cure, as a divergence of the training loss says it. Nothing for a finite one."""
        if math.isfinite(value):
            return ""
        return (f"; val {self.cfg.metric} is {'NaN' if math.isnan(value) else value} at step {self.step}: the "
                f"model's outputs overflowed, training likely diverging; {self._cure()}")

    def _cure(self) -> str:
        """What a diverging run may try: a quarter of the learning rate, and gradient clipping where it has none
        (stronger where it clips above 1)."""
        c = self.cfg
        clip = (" or gradient clipping (--clip 1.0)" if not c.clip else
                f" or stronger gradient clipping (--clip 1.0 instead of {c.clip:g})" if c.clip > 1 else "")
        return f"try a lower learning rate (--lr {c.lr / 4:g} instead of {c.lr:g}){clip}"

    def _is_better(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return self.best_metric is None or self._improves(value, self.best_metric)

    # ------------------------------------------------------------------ start and end of a run
    def _open_run(self) -> None:
        from tqdm import tqdm

        self._prepare_metrics_file()
        self.model.train()
        self._start = time.perf_counter() - self.elapsed
        progress = self.cfg.progress
        self._bar = tqdm(
            total=self.cfg.steps or None, initial=self.step, disable=None if progress is None else not progress,
            unit="step", dynamic_ncols=True, file=sys.stderr, leave=False,
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]",
        )

    def _close_run(self) -> None:
        self._bar.close()
        self._bar = None
        self.elapsed = time.perf_counter() - self._start
        self._plot()

    def _finish(self, stopped: str) -> None:
        """The end of a run that did not diverge: a last evaluation where it is due, and the checkpoints. A run
        into a folder that ended before its first update has nothing to save: its ``minutes`` ending there is a
        UserError and Ctrl-C a KeyboardInterrupt, so that :meth:`fit` removes what it wrote (a ``metrics.jsonl``
        alone, which the closing line called 'the run in OUT/last', a folder never written, exit status 0)."""
        if self.step == 0:
            if self.out_dir is not None and stopped == "interrupted":
                raise KeyboardInterrupt
            if self.out_dir is not None and stopped == "minutes":
                raise UserError(f"the time budget ({self.cfg.minutes:g} min) ended before the first update, so "
                                "there is no model to save; give a larger --minutes")
            return
        if self.eval_fn is not None and self.last_eval_step != self.step and stopped in ("minutes", "steps"):
            record = {"step": self.step, "elapsed": 0.0}
            self._evaluate_into(record, None)
            self._log(record)
        if self.eval_fn is None and self.best_step != self.step:
            self.best_step = self.step
            self.save_best()
        if self.last_saved_step != self.step:
            self.save_last()
        if self.average is not None:  # as Keras' use_ema: the model a finished fit() leaves is the average
            self.average.copy_into_model()
        self._plot()

    def _averaged(self) -> contextlib.AbstractContextManager[None]:
        """The moving average of the weights in the model for evaluating and saving (``ema``), else nothing."""
        return self.average.swapped_in() if self.average is not None else contextlib.nullcontext()

    def _result(self, stopped: str, diverged: TrainingDiverged | None) -> TrainResult:
        return TrainResult(
            best_metric=self.best_metric, best_step=self.best_step, metric=self.cfg.metric, steps=self.step,
            seconds=self.elapsed, tokens=self.tokens, tokens_per_s=self.tokens / max(self.train_seconds, 1e-9),
            stopped=stopped, out_dir=self.out_dir, last_eval=self.last_eval, diverged=diverged,
            best_eval=self.best_eval, ctrl_c_pressed=self.ctrl_c_pressed, words=current_words(),
        )

    # ------------------------------------------------------------------ checkpoints
    def _other_count(self, ckpt: Checkpoint, processes: int, accumulated: int) -> str:
        """The refusal of a run of ``processes`` (each accumulating ``accumulated`` batches an update) resumed with
        another count: what the count fixed (the character LM's streams and carried state, split among the
        processes; any other task's batches, one a process in each update), and how to train on with this count
        (any other task: the ``--accumulate`` that takes as many batches an update, where there is one; a new run
        from its weights, where the task's settings have ``init_from``; else a new run)."""
        world = self.ranks.world_size
        now = _processes(world)
        if distributed.sharded(self.batches):
            split = f"split {processes} ways" if processes != 1 else "one process's"
            fixed, same = f"its streams and carried state are {split}", ""
        else:
            batches = processes * accumulated
            took = "one batch" if batches == 1 else f"{batches} batches"
            each = f", {'one' if accumulated == 1 else accumulated} a process" if processes != 1 else ""
            fixed = f"each of its updates took {took}{each}; {now} would train on another batch size"
            same = (f" or with --accumulate {batches // world} on {now} (the same {batches} batches an update)"
                    if batches % world == 0 else "")
        run = ckpt.path.parent if ckpt.path.name in RUN_FOLDERS else ckpt.path
        if "init_from" in (self.model_config.get("settings") or {}):
            way = f"start a new run from its weights with --init-from {run} and another --out"
        else:
            way = "train a new run with another --out"
        return (f"{ckpt.path}: a run of {_processes(processes)}, resumed with {now}; resume with as many processes "
                f"as it had ({fixed}){same}, or {way}")

    def _check_optimizer_shapes(self, where: Path) -> None:
        """torch's load_state_dict takes moment estimates of any shape: one that is not its parameter's
        shape would fail at the first step, or broadcast silently."""
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                for key, value in self.optimizer.state.get(p, {}).items():
                    if isinstance(value, Tensor) and value.dim() > 0 and value.shape != p.shape:
                        raise UserError(f"{where}/optimizer.safetensors: {key} has shape {list(value.shape)} for a "
                                        f"parameter of shape {list(p.shape)}; the optimizer state is damaged")

    def _restore(self, ckpt: Checkpoint) -> None:
        ts = ckpt.trainer_state
        if "step" not in ts or ckpt.optimizer_state is None:
            missing = "trainer_state.json" if "step" not in ts else next(  # the optimizer's state is two files
                (name for name in (OPTIMIZER_TENSORS, OPTIMIZER_JSON) if not (ckpt.folder / name).is_file()),
                OPTIMIZER_TENSORS)
            raise UserError(f"{ckpt.path}: not a resumable checkpoint (no {missing}); resume from the run's "
                            "directory, whose last/ holds it, or start afresh with --overwrite")
        self._check_processes(ckpt)
        saved = (ts.get("train_config") or {}).get("optimizer")
        if saved is not None and saved != self.cfg.optimizer:  # its state is another algorithm's
            raise UserError(f"--optimizer {self.cfg.optimizer}: the resumed run used {saved}, whose state it "
                            f"holds; resume with --optimizer {saved}, or start afresh to change it")
        try:
            self.model.load_state_dict(ckpt.model_state)
            self.optimizer.load_state_dict(ckpt.optimizer_state)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise UserError(f"{ckpt.path}: checkpoint does not fit this model/optimizer ({exc})") from None
        self._check_optimizer_shapes(ckpt.path)
        self._say_cast(ckpt)
        try:
            self._restore_progress(ts)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise _damaged_state(ckpt, exc) from None
        self._restore_best(ckpt)
        self._say_new_budget(ts.get("train_config"))
        if self.best_metric is not None and other_validation(ckpt.config.get("data"), self.model_config.get("data")):
            self._say("resuming on other validation data than the run's, or scoring it another way: its best score "
                      "does not compare, so the next evaluation replaces OUT/best")
            self.best_metric, self.best_step, self.best_eval = None, None, {}
            self._restart_counts()
        mine = _rank_tensors(ckpt.tensors, self.ranks.rank)  # this process's carried state and torch RNG
        try:
            self.carry = self._as_parameters(_unflatten_state(ts.get("carry", "none"), mine))
        except KeyError:
            raise UserError(f"{ckpt.path}: holds no carried state for process {self.ranks.rank}; resume with as "
                            "many processes as the run had") from None
        except (TypeError, ValueError, IndexError):
            raise UserError(f"{ckpt.path}/trainer_state.json: carry {ts.get('carry')!r} is not a carried "
                            "state's layout") from None
        if self.ranks.rank and "torch" not in mine:  # a process the run had not (resumed on more): masks of its own
            _seed_apart(self.cfg.seed, self.ranks.rank)
        try:
            self._restore_rng(ts.get("rng", {}), mine)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"{ckpt.path}: its random generators' state is damaged ({exc})") from None
        if self.average is not None:
            self.average.load(ckpt.tensors, int(ts.get("ema_updates", 0)), str(ckpt.path))

    def _say_new_budget(self, saved: Any) -> None:
        """One line when a run is resumed with another ``steps`` or ``minutes`` than its own (``saved``, the run's
        ``train_config``) and its learning rate follows the budget (cosine, linear): each counts the whole run, so
        the schedule is drawn again over the new total; a run at step 789 of 1000 resumed with ``--steps 795`` fell
        to nearly no rate within six steps, without a word. Not said by a run that takes no step (:meth:`_say_spent`
        says why), and said once: the resumed run's saves record the new budget."""
        c = self.cfg
        if not isinstance(saved, dict) or c.schedule not in ("cosine", "linear") or self._budget_reached(self.elapsed):
            return
        budgets = (("--steps", saved.get("steps"), c.steps), ("--minutes", saved.get("minutes"), c.minutes))
        # a value damaged by hand (not a number) says nothing: the run's budget is then not known
        changed = [(flag, old, new) for flag, old, new in budgets if old != new and _budget_number(old)]
        if not changed:
            return
        given = ", ".join(_budget_said(flag, new) for flag, _, new in changed)
        had = ", ".join(_budget_said(flag, old) for flag, old, _ in changed)
        ends = ([f"step {c.steps}"] if c.steps else []) + ([f"{c.minutes:g} minutes"] if c.minutes else [])
        first = ", whichever comes first" if len(ends) > 1 else ""
        count = " and ".join(flag for flag, _, _ in changed) + (" count" if len(changed) > 1 else " counts")
        self._say(f"resumed with {given} (the run had {had}): {count} the whole run, so its {c.schedule} learning-rate "
                  f"schedule is drawn again to end at {' or '.join(ends)}{first} (the run is at step {self.step})")

    def _budget_reached(self, elapsed: float) -> str | None:
        """Which budget the run has reached at this step after ``elapsed`` seconds of training: ``steps``, ``minutes``
        or None (the loop's stopping rule, :meth:`_stop_reason_here`, and the resume's note of a new budget)."""
        c = self.cfg
        if c.steps and self.step >= c.steps:
            return "steps"
        if c.minutes and elapsed >= 60.0 * c.minutes:
            return "minutes"
        return None

    def _check_processes(self, ckpt: Checkpoint) -> None:
        """Refuse to resume a run of another number of processes than this one's (every rank alike: no rank is left
        waiting), but where a source read rank-strided takes as many batches an update (2 processes, and 1 with
        ``--accumulate 2``: the same batches, so the same updates), or one whose count is damaged: a "2" or a 0 was
        said as 'a run of 2 processes, resumed with 1 process' and 'a run of 0 processes', and a "1" as 'a run of 1
        processes, resumed with 1 process'."""
        saved = ckpt.trainer_state.get("train_config")
        try:  # older checkpoints do not say
            processes = _saved_count("processes", ckpt.trainer_state.get("processes", self.ranks.world_size), 1)
            if processes == self.ranks.world_size:
                return
            accumulated = _saved_count("accumulate", saved.get("accumulate", 1) if isinstance(saved, dict) else 1, 1)
        except ValueError as exc:
            raise _damaged_state(ckpt, exc) from None
        # a source read rank-strided takes processes x accumulate batches an update, whichever of the two makes them
        same = distributed.same_batches(processes, accumulated, self.ranks.world_size, self.cfg.accumulate)
        if distributed.sharded(self.batches) or not same:
            raise UserError(self._other_count(ckpt, processes, accumulated))

    def _restore_progress(self, ts: dict[str, Any]) -> None:
        """The counters, last evaluation and data position of ``trainer_state.json``."""
        self.step = _saved_count("step", ts["step"])
        self.elapsed = float(ts.get("elapsed", 0.0))
        self.train_seconds = float(ts.get("train_seconds", self.elapsed))
        self.tokens = _saved_count("tokens", ts.get("tokens", 0))
        self.last_saved_step = self.step
        self.last_eval_step = ts.get("last_eval_step", self.step if ts.get("last_eval") else None)
        self.last_eval = dict(ts.get("last_eval", {}))
        # a run saved before patience existed: 0; a negative count of reductions raised the rate: -3 made it 8x
        self.evals_since_best, self.plateau_evals, self.lr_reductions = (
            _saved_count(name, ts.get(name, 0)) for name in ("evals_since_best", "plateau_evals", "lr_reductions"))
        counted = ts.get("patience_best")  # a run saved before min_delta existed: its best (_restore_best)
        self.patience_best = None if counted is None else (float(counted[0]), _saved_count("patience_best step",
                                                                                          counted[1]))
        if self.patience_best is not None and not math.isfinite(self.patience_best[0]):  # nothing would beat NaN
            raise ValueError(f"patience_best {counted}: expected a finite value and its step")
        self.batches.load_state_dict(ts["data"])
        self.interval = _restored_interval(ts.get("interval"))
        self.first_loss = _restored_first_loss(ts.get("first_loss"))
        _saved_count("ema_updates", ts.get("ema_updates", 0))  # read later by the average: checked here
        float(ts.get("best_metric") or 0.0)  # best/'s own record is the one read (_restore_best); last/'s checked

    def _restore_best(self, ckpt: Checkpoint) -> None:
        """The best checkpoint's metric, step and evaluation as ``best/`` itself records them (``last/``'s record
        where the run has no ``best/``): ``best/`` is saved before ``last/``, so a kill between the two saves left
        ``last/``'s record one best behind, and the resumed run took a worse evaluation for a better one and wrote
        its model over the better ``best/``."""
        found = best_record(ckpt.path)
        where, ts = found if found is not None else (ckpt.path / "trainer_state.json", ckpt.trainer_state)
        try:
            self.best_metric, self.best_step, self.best_eval = self._restored_best(ts)
            if self.best_metric is not None:
                self.best_metric = float(self.best_metric)
                if self.patience_best is None:
                    self.patience_best = (self.best_metric, int(self.best_step or 0))
            else:
                self.patience_best = None
        except (TypeError, ValueError) as exc:
            raise UserError(f"{where}: not the state of a run ({type(exc).__name__}: {exc}); resume from an "
                            "undamaged run or start afresh with --overwrite") from None

    def _first_parameter(self) -> Tensor | None:
        """The model's first floating-point parameter: its device and dtype are the run's."""
        return next((p for p in self.model.parameters() if p.is_floating_point()), None)

    def _as_parameters(self, state: Any) -> Any:
        """A carried state on the parameters' device, and in their dtype when no autocast will run: one
        saved under bf16 autocast resumes in fp32 (under bf16 a bf16 one stays as saved, so the resumed run is the
        same; a float64 one, of a run saved in float64, is cast: torch's kernels refused it beside float32
        weights)."""
        first = self._first_parameter()
        if state is None or first is None:
            return state
        if isinstance(state, Tensor):  # on the parameters' device: a checkpoint is read onto the CPU
            keep = not state.is_floating_point() or (self.cfg.precision == "bf16" and state.dtype == torch.bfloat16)
            return state.to(first.device, state.dtype if keep else first.dtype)
        return tuple(self._as_parameters(s) for s in state)

    def _say_cast(self, ckpt: Checkpoint) -> None:
        """One line when ``ckpt``'s weights are of another dtype than the model's (float64: saved by a session
        whose torch default dtype was float64), which the resumed run casts them to."""
        first = self._first_parameter()
        if first is None:
            return
        other = {str(t.dtype).removeprefix("torch.") for t in ckpt.model_state.values()
                 if t.is_floating_point() and t.dtype != first.dtype}
        if other:
            self._say(f"{ckpt.path}: its weights are {', '.join(sorted(other))}; this run trains them in "
                      f"{str(first.dtype).removeprefix('torch.')}")

    def _restored_best(self, ts: dict[str, Any]) -> tuple[float | None, int | None, dict[str, float]]:
        """The best checkpoint's metric, step and evaluation as the checkpoint recorded them; when the run
        chose by another metric (a checkpoint of an older rnnkit, whose classifier kept the best accuracy),
        its best's value under this run's metric where recorded, otherwise none: the next evaluation
        becomes the best."""
        best_eval = dict(ts.get("best_eval") or {})
        if (ts.get("metric", self.cfg.metric), ts.get("mode", self.cfg.mode)) == (self.cfg.metric, self.cfg.mode):
            return ts.get("best_metric"), ts.get("best_step"), best_eval
        self.patience_best = None  # counted by the other metric
        if self.cfg.metric in best_eval:
            return best_eval[self.cfg.metric], ts.get("best_step"), best_eval
        self._say(f"resuming a run that kept its best checkpoint by {ts.get('metric')}; this one keeps it by "
                  f"{self.cfg.metric}: the next evaluation replaces OUT/best")
        self._restart_counts()
        return None, None, {}

    def _restart_counts(self) -> None:
        """Patience and the plateau schedule count from the next evaluation, as the best does when a resumed run's
        best no longer compares (the lowered learning rate stays)."""
        self.evals_since_best, self.plateau_evals, self.patience_best = 0, 0, None

    def _rng_tensors(self) -> dict[str, Tensor]:
        """torch's generator, and the CUDA device's where the model lives on one (its dropout masks)."""
        device = self._device()
        cuda = {"torch_cuda": torch.cuda.get_rng_state(device)} if device.type == "cuda" else {}
        return {"torch": torch.get_rng_state(), **cuda}

    def _device(self) -> torch.device:
        return next((p.device for p in self.model.parameters()), torch.device("cpu"))

    def _restore_rng(self, rng: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        if "torch" in tensors:
            torch.set_rng_state(tensors["torch"])
        if "torch_cuda" in tensors and self._device().type == "cuda":
            torch.cuda.set_rng_state(tensors["torch_cuda"], self._device())
        if "python" in rng:
            version, internal, gauss = rng["python"]
            random.setstate((version, tuple(internal), gauss))
        if "numpy" in rng:
            name, keys, pos, has_gauss, cached = rng["numpy"]
            np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))

    def _trainer_state(self) -> dict[str, Any]:
        kind, _ = _flatten_state(self.carry)
        return {
            "step": self.step,
            "elapsed": self.elapsed,
            "train_seconds": self.train_seconds,
            "tokens": self.tokens,
            "unit": self.cfg.unit,  # what tokens counts: info and report name it
            "metric": self.cfg.metric,
            "mode": self.cfg.mode,
            "best_metric": self.best_metric,
            "best_step": self.best_step,
            "best_eval": self.best_eval,
            "last_eval": self.last_eval,
            "last_eval_step": self.last_eval_step,
            "evals_since_best": self.evals_since_best,
            "patience_best": self.patience_best,
            "plateau_evals": self.plateau_evals,
            "lr_reductions": self.lr_reductions,
            "interval": asdict(self.interval),
            "first_loss": self.first_loss,
            "data": self.batches.state_dict(),
            "carry": kind,
            "rng": {"python": _python_rng_to_json(), "numpy": _numpy_rng_to_json()},
            "train_config": asdict(self.cfg),
            "processes": self.ranks.world_size,
            **({"ema_updates": self.average.updates} if self.average is not None else {}),
        }

    def _saved(self) -> bool:
        """Whether ``out_dir`` holds a checkpoint of this run."""
        return self.out_dir is not None and any((self.out_dir / name).is_dir() for name in ("best", "last"))

    def save_last(self) -> None:
        """Write ``OUT/last``: everything a resume needs (nothing without an ``out_dir``)."""
        # every process's carried state and torch RNG (rank r's saved as "rank{r}.carry.i", "rank{r}.torch")
        carry = {k: v.cpu() for k, v in _flatten_state(self.carry)[1].items()}  # rank 0 may lack rank r's GPU
        states = self._par.gather({**carry, **self._rng_tensors()})
        if self.out_dir is None:
            self.last_saved_step = self.step
            return
        tensors = {_rank_key(r, k): v for r, state in enumerate(states) for k, v in state.items()}
        tensors.update(self.average.state_tensors() if self.average is not None else {})
        save_checkpoint(
            self.out_dir / "last", model_state=self.model.state_dict(), config=self.model_config,
            vocab=self.vocab, trainer_state=self._trainer_state(), optimizer_state=self.optimizer.state_dict(),
            tensors=tensors,
        )
        self.last_saved_step = self.step
        self._saved_at = time.perf_counter()

    def save_best(self) -> None:
        """Write ``OUT/best``: the model (its weights' moving average with ``ema``), its config and
        vocabulary, and how it was trained."""
        if self.out_dir is None:
            return
        state = self._trainer_state()
        for key in ("data", "carry", "rng"):
            state.pop(key)
        with self._averaged():
            extra = self.best_tensors(self.model) if self.best_tensors is not None else None
            save_checkpoint(
                self.out_dir / "best", model_state=self.model.state_dict(), config=self.model_config,
                vocab=self.vocab, trainer_state=state, tensors=extra,
            )

    # ------------------------------------------------------------------ logging
    def _prepare_metrics_file(self) -> None:
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / METRICS_LOG
        keep: list[str] = []
        if self.step > 0:  # resumed: drop what came after the checkpoint, and any line that is not a record
            from rnnkit.plots import read_metrics

            keep = [strictjson.dumps(r) for r in read_metrics(path) if r["step"] <= self.step]
        path.write_text("".join(s + "\n" for s in keep), encoding="utf-8")

    def _log(self, record: dict[str, Any]) -> None:
        self.history.append(record)
        if self.out_dir is not None:
            with open(self.out_dir / METRICS_LOG, "a", encoding="utf-8") as fh:
                fh.write(strictjson.dumps(record) + "\n")  # a NaN loss as null: still JSON
        if self._tensorboard is not None:
            self._tensorboard.write(record)

    def _show_progress(self, record: dict[str, Any]) -> None:
        if self._bar is None or self._bar.disable:
            return
        left = 60.0 * self.cfg.minutes - self.elapsed if self.cfg.minutes else math.inf
        if self.cfg.steps:
            left = min(left, (self.cfg.steps - self.step) * self.elapsed / max(self.step, 1))
        self._bar.set_postfix_str(
            f"loss {record['train_loss']:.3f} | {record['tokens_per_s']:,.0f} {self.cfg.unit}/s | "
            f"|g| {record['grad_norm']:.2f} | left {_fmt_seconds(left)}",
            refresh=False,
        )

    def _say(self, message: str) -> None:
        if not self.cfg.verbose:
            return
        message = in_words(message)  # --threads N, or threads=N in a call of rnnkit.fit
        if self._bar is not None and not self._bar.disable:
            self._bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def _load_plotting(self) -> None:
        """Import matplotlib for :meth:`_plot` before the run, where a Ctrl-C only asks it to stop. Imported at
        the end, after that Ctrl-C, it took the second one (a notebook user's "stop now" while the run saved):
        matplotlib was left half-imported for the rest of the session, and every later fit's loss.png, and the
        notebook's own pyplot, failed with "module 'matplotlib' has no attribute 'get_data_path'"."""
        if self.out_dir is None:
            return
        from rnnkit.plots import load_matplotlib

        with contextlib.suppress(Exception):  # a plot must never lose a run; _plot says why it could not draw
            load_matplotlib()

    def _plot(self) -> None:
        if self.out_dir is None:
            return
        from rnnkit.plots import plot_losses

        try:
            plot_losses(self.out_dir / METRICS_LOG, self.out_dir / LOSS_PLOT)
        except Exception as exc:  # a plot must never lose a run
            print(f"rnnkit: warning: could not draw {self.out_dir / 'loss.png'}: {exc}", file=sys.stderr)


def _processes(count: int) -> str:
    """``1 process``, ``2 processes``."""
    return f"{count} process{'' if count == 1 else 'es'}"


def _rank_key(rank: int, key: str) -> str:
    """The name of a process's carried-state tensor in ``last/`` (rank 0's keeps the one-process name)."""
    return f"rank{rank}.{key}" if rank else key


def _seed_apart(seed: int, rank: int) -> None:
    """Seed torch's generator of process ``rank`` (> 0) apart from rank 0's, so that the processes do not draw the
    same dropout masks."""
    torch.manual_seed((seed + 1_000_003 * rank) % 2**64)


def _rank_tensors(tensors: dict[str, Tensor], rank: int) -> dict[str, Tensor]:
    """The carried-state tensors that ``rank`` saved, under their one-process names."""
    if not rank:
        return tensors
    prefix = _rank_key(rank, "")
    return {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}


def _has_keyword(fn: Callable[..., Any], name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
