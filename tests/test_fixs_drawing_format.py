"""fixs: a drawing made from Python is written in the format its name's suffix names. ``curve.plot("lr.jpg")`` (the
learning-rate range test's curve) and ``rnnkit.plots.attention_png(..., "att.svg")`` wrote PNG bytes under any name;
a suffix matplotlib does not write is refused in one line naming the path and the suffixes taken, writing nothing.
Pillow (matplotlib's own dependency) judges what a file holds, not rnnkit's code."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.errors import UserError
from rnnkit.plots import attention_png
from rnnkit.train.lr_find import LearningRateCurve


def _curve() -> LearningRateCurve:
    return LearningRateCurve(rates=[1e-4, 1e-3, 1e-2], losses=[3.0, 2.0, 4.0], smoothed=[3.0, 2.5, 3.0])


def _draw_attention(path: Path) -> None:
    attention_png([[0.7, 0.3], [0.2, 0.8]], ["a", "b"], ["c", "d"], path)


@pytest.mark.parametrize(("name", "kind"), [("lr.jpg", "JPEG"), ("lr.JPEG", "JPEG"), ("lr.webp", "WEBP"),
                                            ("lr.png", "PNG"), ("lr", "PNG")])
def test_the_curve_is_written_in_the_format_its_name_says(tmp_path: Path, name: str, kind: str) -> None:
    written = _curve().plot(tmp_path / name)
    assert written == tmp_path / name
    with Image.open(written) as image:
        assert image.format == kind


@pytest.mark.parametrize(("name", "start"), [("att.svg", b"<?xml"), ("att.pdf", b"%PDF"),
                                             ("att.png", b"\x89PNG")])
def test_attention_is_written_in_the_format_its_name_says(tmp_path: Path, name: str, start: bytes) -> None:
    _draw_attention(tmp_path / name)
    assert (tmp_path / name).read_bytes().startswith(start)


@pytest.mark.parametrize("draw", [lambda p: _curve().plot(p), _draw_attention])
def test_a_suffix_matplotlib_does_not_write_is_refused_in_one_line(tmp_path: Path, draw: object) -> None:
    path = tmp_path / "picture.txt"
    with pytest.raises(UserError) as caught:
        draw(path)  # type: ignore[operator]
    said = str(caught.value)
    assert said.startswith(f"{path}: ") and "\n" not in said
    assert ".png" in said and ".svg" in said and ".jpg" in said and ".pgf" not in said
    assert list(tmp_path.iterdir()) == []
