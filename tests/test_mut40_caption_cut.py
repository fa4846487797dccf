"""Mutation round 40: caption's warning of captions cut at the training --max-len (fixr) counts what a user gets:
a beam's best caption an image, each drawn sample where several are drawn."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding", "4", "--eval-images", "0",
        "--no-progress", "--save-minutes", "0", "--steps", "1", "--threads", "1", "--seed", "0", "--max-len", "3"]


@pytest.fixture(scope="module")
def captioner(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """A captioner trained one step on captions of at most 3 words: it has not learnt to end one."""
    root = tmp_path_factory.mktemp("cut40")
    (root / "photos").mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (8, 8), "red").save(root / "photos" / name)
    (root / "photos" / "captions.tsv").write_text("a.png\ta red square on a field\nb.png\ta red thing\n",
                                                  encoding="utf-8")
    assert main(["train", "caption", "--data", str(root / "photos"), "--out", str(root / "run"), *TINY]) == 0
    return rnnkit.load(root / "run"), root / "photos" / "a.png"


def _said(call: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if "output limit" in str(w.message)]


def test_a_beams_alternatives_are_not_counted(captioner: tuple[object, Path]) -> None:
    cap, image = captioner
    said = _said(lambda: cap.caption(image, beam=3, n_best=3))  # type: ignore[attr-defined]
    assert len(said) == 1 and said[0].startswith("1 of 1 caption reached the output limit"), said


def test_each_drawn_sample_is_counted(captioner: tuple[object, Path]) -> None:
    cap, image = captioner
    said = _said(lambda: cap.caption(image, n_best=3, sample=True, seed=0))  # type: ignore[attr-defined]
    # seeded: two of the three samples run to the limit; counted by the best alone, it said 1 (or nothing)
    assert len(said) == 1 and said[0].startswith("2 of 3 sampled captions reached the output limit"), said
