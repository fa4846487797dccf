"""A picture whose labels hold characters matplotlib's default font (DejaVu Sans) lacks. ``rnnkit translate DIR
--attention-png att.png`` of a Korean translation drew each Hangul label as a box and printed matplotlib's
``UserWarning: Glyph 50724 (\\N{HANGUL SYLLABLE O}) missing from font(s) DejaVu Sans.`` with its source line, once per
character. Each text now falls back to an installed font that has its characters (matplotlib's STIX fonts have
``ℊ``, which DejaVu Sans lacks); characters no installed font has are named in one warning that says what to
install, and matplotlib's lines are gone."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.plots import PLACEHOLDER_FONTS, _characters, attention_png

SCRIPT_G = "\u210a"  # ℊ: in matplotlib's STIXGeneral, not in DejaVu Sans
HANGUL = "오십"


def _drawn(tmp_path: Path, target: list[str]) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attention_png([[1.0, 0.0]] * len(target), ["a", "b"], target, tmp_path / "att.png")
    assert (tmp_path / "att.png").stat().st_size > 0
    return list(caught)


def test_a_label_the_default_font_lacks_is_drawn_with_one_that_has_it(tmp_path: Path) -> None:
    assert _drawn(tmp_path, [SCRIPT_G, "x"]) == []


def test_characters_no_font_has_are_named_once(tmp_path: Path) -> None:
    from matplotlib import font_manager

    if any(not f.name.startswith(PLACEHOLDER_FONTS) and {ord(c) for c in HANGUL} <= _characters(f.fname)
           for f in font_manager.fontManager.ttflist):
        pytest.skip("a font with Hangul is installed here: nothing is lacking")
    caught = _drawn(tmp_path, list(HANGUL))
    assert [w.category for w in caught] == [RnnkitWarning], [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert "no installed font has '십', '오': drawn as boxes" in message and "fonts-noto-cjk" in message
