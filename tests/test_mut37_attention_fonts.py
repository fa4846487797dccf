"""Mutation round 37: ``rnnkit translate DIR --attention-png`` says a picture's undrawable characters as one
``rnnkit: warning:`` line (the verb's ``report_warnings``), not as Python's warning with a source line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit import plots
from rnnkit.cli import main


def test_the_verb_says_the_lacking_characters_in_one_line(tiny_translator: Callable[..., Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    run = tiny_translator(tmp_path)
    monkeypatch.setattr(plots, "_fit_fonts", lambda fig: "오")  # as where no installed font has Hangul
    capsys.readouterr()
    assert main(["translate", str(run), "ab", "--attention-png", str(tmp_path / "att.png")]) == 0
    err = capsys.readouterr().err
    assert f"rnnkit: warning: {tmp_path / 'att.png'}: no installed font has '오': drawn as boxes" in err, err
    assert "UserWarning" not in err and "RnnkitWarning" not in err
