"""SettingError.as_flag: a setting's value as the command line's flag gives it (mutation audit round 18)."""

from __future__ import annotations

from rnnkit.errors import SettingError


def test_a_word_value_is_named_as_typed_after_its_flag() -> None:
    """``--cell gur: ...``, as the user typed it; not Python's quoted ``--cell 'gur'``."""
    assert SettingError("cell", "gur", "expected one of lstm, gru").as_flag() == "--cell gur: expected one of lstm, gru"
    assert SettingError("lr", 0.5, "expected x").as_flag() == "--lr 0.5: expected x"
