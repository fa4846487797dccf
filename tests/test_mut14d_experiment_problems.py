"""The problems of ``rnnkit experiment``: the bytes each says it holds are those it makes, its losses and metrics,
and the settings each experiment ignores (mutation audit round 14)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data.mnist import pixel_permutation
from rnnkit.tasks import experiments as ex
from rnnkit.tasks._experiment_problems import DIGIT_DATA, EXPERIMENTS, Adding, Copy, Digits, Waveform


def _nbytes(*tensors: torch.Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def test_the_bytes_each_problem_counts_are_those_of_the_data_it_makes() -> None:
    """data_bytes sizes a run before anything is made: the test set, a training batch and its rows x steps."""
    gen = torch.Generator().manual_seed(0)
    s = ex.Settings(experiment="adding", cells=["lstm"], length=12, eval_size=7, batch_size=3)
    adding = Adding(s)
    x, y = adding.train_batch(0, gen)
    assert Adding.data_bytes(s) == (_nbytes(adding.test_x, adding.test_y), _nbytes(x, y), 3 * 12)
    s = ex.Settings(experiment="copy", cells=["lstm"], length=5, eval_size=4, batch_size=2)
    copy = Copy(s)
    x, y = copy.train_batch(0, gen)
    steps = x.shape[1]
    assert Copy.data_bytes(s) == (_nbytes(copy.test_x, copy.test_y), _nbytes(x, y) + 8 * 2 * steps, 2 * steps)
    s = ex.Settings(experiment="clockwork-waveform", cells=["lstm"], length=9)
    wave = Waveform(s)
    assert Waveform.data_bytes(s) == (_nbytes(wave.x, wave.target), 0, 9)


def test_only_the_digit_experiments_have_no_class_sized_before_their_files() -> None:
    assert {name: e.problem for name, e in EXPERIMENTS.items()} == {
        "adding": Adding, "copy": Copy, "pixel-mnist": None, "permuted-pixel-mnist": None, "row-mnist": None,
        "clockwork-waveform": Waveform}


def test_the_settings_each_experiment_ignores() -> None:
    assert set(EXPERIMENTS["adding"].ignores) == set(DIGIT_DATA)
    assert set(EXPERIMENTS["copy"].ignores) == set(DIGIT_DATA)
    assert set(EXPERIMENTS["pixel-mnist"].ignores) == {"length", "eval_size", "perm_seed"}
    assert set(EXPERIMENTS["permuted-pixel-mnist"].ignores) == {"length", "eval_size"}
    assert set(EXPERIMENTS["row-mnist"].ignores) == {"length", "eval_size", "perm_seed"}
    assert set(EXPERIMENTS["clockwork-waveform"].ignores) == {*DIGIT_DATA, "batch_size", "eval_size"}


class _Const(torch.nn.Module):
    """A model that answers ``out`` for every row (and step)."""

    def __init__(self, out: torch.Tensor) -> None:
        super().__init__()
        self.out = out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out.expand(len(x), *self.out.shape[1:]) if self.out.dim() > 1 else self.out.expand(len(x))


def test_the_adding_loss_and_metric_are_the_mse_of_the_sums() -> None:
    s = ex.Settings(experiment="adding", cells=["lstm"], length=6, eval_size=5, batch_size=4)
    adding = Adding(s)
    y = adding.test_y
    assert adding.evaluate(_Const(torch.ones(1, 1))) == pytest.approx(float(((y - 1) ** 2).mean()))
    pred = torch.tensor([[1.0], [2.0], [3.0], [4.0]])  # the model's (batch, 1) against the (batch,) sums
    assert float(adding.loss(pred, torch.tensor([1.0, 2.0, 3.0, 5.0]))) == pytest.approx(0.25)


def test_the_copy_metric_is_the_accuracy_over_the_recalled_steps_alone() -> None:
    s = ex.Settings(experiment="copy", cells=["lstm"], length=4, eval_size=6, batch_size=2)
    copy = Copy(s)

    class Oracle(torch.nn.Module):  # right on the recalled steps, blank (wrong) everywhere before them
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.zeros(x.shape[0], x.shape[1], copy.output_size)
            rows = copy.test_y[: x.shape[0]]
            y[:, -copy.seq_len:] = torch.nn.functional.one_hot(rows[:, -copy.seq_len:], copy.output_size).float()
            return y

    assert copy.evaluate(Oracle()) == 1.0
    x, y = copy.train_batch(0, torch.Generator().manual_seed(0))
    assert x.shape[-1] == copy.input_size and set(x.sum(-1).tolist()[0]) == {1.0}  # one-hot of every step
    assert float(copy.loss(torch.zeros(*y.shape, copy.output_size), y)) == pytest.approx(
        float(torch.log(torch.tensor(float(copy.output_size)))))
    wrong_first = torch.zeros(*y.shape, copy.output_size)
    wrong_first[:, 0] = 20 * torch.nn.functional.one_hot((y[:, 0] + 1) % copy.output_size, copy.output_size)
    assert float(copy.loss(wrong_first, y)) > float(torch.log(torch.tensor(float(copy.output_size)))) + 0.5  # all steps


def _digit_dir(folder: Path, count: int) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir()
    for kind, array in (("images-idx3", rng.integers(0, 256, (count, 28, 28))), ("labels-idx1", np.arange(count) % 10)):
        array = np.asarray(array, dtype=np.uint8)
        raw = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()
        (folder / f"train-{kind}-ubyte.gz").write_bytes(gzip.compress(raw))
    return folder


def test_digit_batches_are_never_larger_than_the_images_and_each_run_starts_alike(tmp_path: Path) -> None:
    folder = _digit_dir(tmp_path / "digits", 40)
    s = ex.Settings(experiment="row-mnist", cells=["lstm"], idx_dir=str(folder), batch_size=64)
    digits = Digits(s, "row")
    assert digits.input_size == 28 and digits.train_x.shape[1:] == (28, 28)
    n = len(digits.train_y)
    first = [digits.train_batch(i, torch.Generator().manual_seed(5))[1] for i in range(2)]
    assert [len(y) for y in first] == [n, n]
    digits.start_run()
    x, y = digits.train_batch(0, torch.Generator().manual_seed(5))
    assert torch.equal(y, first[0])
    folder = _digit_dir(tmp_path / "more", 80)
    s = ex.Settings(experiment="row-mnist", cells=["lstm"], idx_dir=str(folder), batch_size=5, max_train=20,
                    max_test=10)
    digits = Digits(s, "pixel")
    assert (len(digits.train_y), len(digits.test_y), digits.input_size) == (20, 10, 1)
    gen = torch.Generator().manual_seed(0)
    seen = torch.cat([digits.train_batch(i, gen)[0] for i in range(4)]).flatten(1)
    assert len(torch.unique(seen, dim=0)) == 20  # one pass: every image once


def test_the_permuted_digits_share_one_order_for_training_and_test(tmp_path: Path) -> None:
    folder = _digit_dir(tmp_path / "digits", 40)
    s = ex.Settings(experiment="permuted-pixel-mnist", cells=["lstm"], idx_dir=str(folder), perm_seed=3)
    digits = Digits(s, "permuted")
    pixel = Digits(ex.Settings(experiment="pixel-mnist", cells=["lstm"], idx_dir=str(folder)), "pixel")
    perm = pixel_permutation(3)
    assert torch.equal(digits.test_x, pixel.test_x[:, perm]) and torch.equal(digits.train_x, pixel.train_x[:, perm])
