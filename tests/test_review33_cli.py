"""review33: the CLI's reading of torchrun's variables never fails on a value it reads as none."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize(("variable", "value"), [("WORLD_SIZE", "²"), ("RANK", "²")])
def test_a_superscript_digit_in_torchrun_s_variables_is_no_traceback(variable: str, value: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``str.isdigit`` is true of '²', which ``int`` refuses: ``WORLD_SIZE=² rnnkit prepare ...`` (or a RANK of it
    beside WORLD_SIZE=2, read while an error is printed) was a ValueError traceback, where any other value that is no
    whole number is read as no torchrun. It is read so now, and the command says its own error in one line."""
    monkeypatch.setenv("WORLD_SIZE", "2" if variable == "RANK" else value)
    monkeypatch.setenv(variable, value)
    missing = tmp_path / "missing.txt"
    assert main(["prepare", str(missing), "--out", str(tmp_path / "p")]) == 2
    # WORLD_SIZE=2 is torchrun's, and prepare is refused under it (the line printed reads RANK to know who speaks)
    assert ("runs in one process" if variable == "RANK" else str(missing)) in capsys.readouterr().err
