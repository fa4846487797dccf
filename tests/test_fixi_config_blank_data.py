"""A config file's ``data = " "`` is refused also where ``--data FILE`` overrides it (fixi, a decision kept): the
file is read whole before the flags are merged, and its shape (an unknown setting, one given twice, a path that is
no string or is blank) is checked whatever the flags say, so a broken file is told at once, by its name and key,
not at the next run that leaves the flag out. ``data = ""`` stays a template's empty slot that the flag fills."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

CHARLM = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
          "--steps", "1", "--no-progress"]


def test_a_blank_data_in_the_file_is_refused_though_the_flag_gives_the_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, config, out = tmp_path / "t.txt", tmp_path / "c.toml", tmp_path / "out"
    text.write_text("abcdefgh \n" * 100, encoding="utf-8")
    config.write_text('data = " "\n', encoding="utf-8")
    assert main([*CHARLM, "--config", str(config), "--data", str(text), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {config}: data = ' ': an empty name; expected the data to read\n"
    assert not out.exists()
