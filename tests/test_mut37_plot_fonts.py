"""Mutation round 37: ``plots._fit_fonts`` (afc01768). A fallback font is added after the text's own (its Latin
letters keep their font); one that has only some of a label's characters is not chosen (the rest would be boxes
without a word); every lacking character of a label is named, the first eight of more."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.plots import PLACEHOLDER_FONTS, _characters, _fit_fonts, attention_png

SCRIPT_G = "\u210a"  # ℊ: in matplotlib's STIXGeneral, not in DejaVu Sans
HANGUL = "오십이삼사육칠팔구영"  # ten syllables


def _hangul_font_installed() -> bool:
    from matplotlib import font_manager

    return any(not f.name.startswith(PLACEHOLDER_FONTS) and {ord(c) for c in HANGUL} <= _characters(f.fname)
               for f in font_manager.fontManager.ttflist)


def _said(tmp_path: Path, target: list[str]) -> list[str]:
    if _hangul_font_installed():
        pytest.skip("a font with Hangul is installed here: nothing is lacking")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attention_png([[1.0, 0.0]] * len(target), ["a", "b"], target, tmp_path / "att.png")
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]


def test_the_fallback_follows_the_texts_own_font() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    text = fig.text(0.5, 0.5, f"x{SCRIPT_G}")
    own = list(text.get_fontfamily())
    assert _fit_fonts(fig) == ""
    family = list(text.get_fontfamily())
    assert family[: len(own)] == own and len(family) == len(own) + 1


def test_a_font_with_part_of_a_label_is_not_chosen(tmp_path: Path) -> None:
    said = _said(tmp_path, [f"{SCRIPT_G}오", "x"])
    assert len(said) == 1 and "'오'" in said[0], said


def test_every_lacking_character_of_one_label_is_named(tmp_path: Path) -> None:
    said = _said(tmp_path, [HANGUL])
    shown = ", ".join(repr(c) for c in sorted(HANGUL)[:8])
    assert len(said) == 1 and f"no installed font has {shown} ...: drawn as boxes" in said[0], said
