"""The problems of ``rnnkit experiment``: each one's data, loss, metric and trivial baseline (adding, copy,
the digit experiments, the clockwork waveform), and :data:`EXPERIMENTS`, each name's problem, defaults and
published numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.tasks._experiment_settings import Settings


class Problem:
    """One experiment's data, loss and metric. Subclasses fill in the details."""

    metric = "mse"
    higher_is_better = False
    every_step = False
    input_size = 1
    output_size = 1
    baseline: float | None = None
    baseline_label = ""
    #: what the metric is measured on, as the tables and axes name it ("test mse"): a held-out test set, or the
    #: waveform a model learns (no test set)
    measured_on = "test"
    #: what :meth:`data_bytes` counts, in a refusal's words: without training (steps 0), and with it
    data_words = ("the test set", "the test set, a training batch and its hidden states")

    def __init__(self, s: Settings) -> None:
        self.s = s

    @classmethod
    def data_bytes(cls, s: Settings) -> tuple[int, int, int]:
        """What a run holds at least, counted from ``s`` before any of it is made: the bytes of the test set, of
        one training batch, and the rows × time steps of that batch (its forward pass keeps a hidden state of
        every step and row: that many numbers per hidden unit). Zeros where the settings do not size the data
        (the digits': their files do)."""
        return 0, 0, 0

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

    @classmethod
    def data_bytes(cls, s: Settings) -> tuple[int, int, int]:
        per_row = 4 * s.length * cls.input_size + 4  # float32 inputs, one target
        return s.eval_size * per_row, s.batch_size * per_row, s.batch_size * s.length

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
    input_size = num_symbols + 2  # one-hot: the symbols, the blank and the go marker
    output_size = num_symbols + 1

    def __init__(self, s: Settings) -> None:
        super().__init__(s)
        from rnnkit.data.synthetic import copy_baseline_accuracy, copy_task

        self._gen = copy_task
        self.test_x, self.test_y = copy_task(s.eval_size, s.length, self.seq_len, self.num_symbols, seed=987_654_321)
        self.baseline = copy_baseline_accuracy(self.num_symbols)
        self.baseline_label = "guess one symbol (1/8)"

    @classmethod
    def data_bytes(cls, s: Settings) -> tuple[int, int, int]:
        steps = s.length + 2 * cls.seq_len
        tokens = 16 * steps  # int64 inputs and targets; a training batch is one-hot too
        return s.eval_size * tokens, s.batch_size * (tokens + 4 * steps * cls.input_size), s.batch_size * steps

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
    data_words = ("the waveform", "the waveform and its hidden states")
    measured_on = "waveform"  # the one waveform it learns: "test mse" read as a held-out test

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

    @classmethod
    def data_bytes(cls, s: Settings) -> tuple[int, int, int]:
        return 8 * s.length, 0, s.length  # the pulse and the waveform: the test and every batch alike

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
    #: each cell's own settings, as the shipped config's ``[cell.NAME]`` tables (experiments/*.toml), so that a run
    #: without a config is the published comparison; a config's tables add to them key by key
    cell_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def problem(self) -> type[Problem] | None:
        """Its problem's class where ``make`` is one, whose sizes and :meth:`Problem.data_bytes` are known before
        it is made; None for a factory of the digits (their files size their data)."""
        return self.make if isinstance(self.make, type) and issubclass(self.make, Problem) else None


#: the settings only the digit experiments read (their data)
DIGIT_DATA = ("idx_dir", "max_train", "max_test", "split_seed", "perm_seed")
#: what a digit experiment does not read: its sequence length is the image's, its test set is the split's
DIGIT_IGNORES = ("length", "eval_size")
#: the pixel experiments' settings beyond the common ones, as experiments/pixel-mnist.toml has them: at lr 1e-3
#: the 784-step LSTM stayed at chance, and at a constant rate its test accuracy swung 36-50 % (docs/RESULTS.md);
#: the four cells of Le et al.'s comparison, RNN + ReLU too (a bare run left it out, which the file lists)
PIXEL_DEFAULTS = {"cells": ["lstm", "irnn", "rnn_tanh", "rnn_relu"], "length": 784, "hidden": 100, "batch_size": 64,
                  "lr": 1e-3, "eval_every": 200, "minutes": 15.0, "precision": "auto", "schedule": "cosine"}
PIXEL_CELLS = {"lstm": {"lr": 5e-4}, "irnn": {"lr": 1e-4}, "rnn_relu": {"lr": 1e-4}}


EXPERIMENTS: dict[str, Experiment] = {
    "adding": Experiment(
        Adding,
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 200, "hidden": 100, "batch_size": 50,
         "lr": 1e-3, "eval_every": 200, "minutes": 15.0, "stop_at": 0.001},
        {"note": "Le et al. 2015 (figure 2) run the adding problem at T = 150, 200, 300 and 400 with "
                 "IRNN, LSTM and tanh/ReLU RNNs; 'solved' there and here means test MSE well below 0.167"},
        DIGIT_DATA,
        {"irnn": {"lr": 3e-4}, "lstm": {"lr": 1e-2}},   # at 1e-3 the LSTM stayed on the plateau (adding-200.toml)
    ),
    "copy": Experiment(
        Copy,
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 100, "hidden": 128, "batch_size": 50,
         "lr": 1e-3, "eval_every": 200, "minutes": 10.0, "eval_size": 500},
        ignores=DIGIT_DATA,
        cell_defaults={"irnn": {"lr": 1e-4}},
    ),
    "pixel-mnist": Experiment(
        _digits("pixel"),
        PIXEL_DEFAULTS,
        {"rnn_tanh": "35% (Le et al. 2015)", "irnn": "97% (Le et al. 2015)",
         "lstm": "98.9% (Cooijmans et al. 2016)"},
        (*DIGIT_IGNORES, "perm_seed"),
        PIXEL_CELLS,
    ),
    "permuted-pixel-mnist": Experiment(
        _digits("permuted"),
        PIXEL_DEFAULTS,
        {"rnn_tanh": "35% (Le et al. 2015)", "irnn": "82% (Le et al. 2015)",
         "lstm": "90.2% (Cooijmans et al. 2016)"},
        DIGIT_IGNORES,
        PIXEL_CELLS,
    ),
    "row-mnist": Experiment(
        _digits("row"),
        {"cells": ["rnn_tanh", "irnn", "lstm", "gru"], "length": 28, "hidden": 128, "batch_size": 64,
         "lr": 1e-3, "eval_every": 100, "minutes": 3.0},
        ignores=(*DIGIT_IGNORES, "perm_seed"),
        cell_defaults={"irnn": {"lr": 1e-4}},
    ),
    "clockwork-waveform": Experiment(
        Waveform,
        {"cells": ["rnn_tanh", "lstm", "clockwork"], "length": 320, "params": 1000, "batch_size": 1,
         "lr": 3e-3, "eval_every": 100, "minutes": 3.0, "eval_size": 1},
        {"note": "Koutník et al. 2014 (a 320-sample music clip): the CW-RNN reached a lower MSE than "
                 "the Elman RNN and the LSTM with the same number of parameters"},
        (*DIGIT_DATA, "batch_size", "eval_size"),  # one waveform, the batch and the test alike
        {"clockwork": {"options": {"periods": [1, 2, 4, 8, 16, 32, 64, 128]}}},   # the paper's exponential clocks
    ),
}
