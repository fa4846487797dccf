"""walk48: an experiment stopped after some cells said "run them with --cells irnn and another --out": a researcher
who had run `--config experiments/pixel-mnist.toml --minutes 45` reran `rnnkit experiment pixel-mnist --cells irnn`,
at the default 15 minutes, and merged runs of two budgets. Now the line says to rerun this command, its other settings
as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks.experiments import _say_kept


def test_the_line_says_to_rerun_the_same_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _say_kept({"results": {"gru": {}}, "cells_not_run": ["irnn", "lstm"]}, tmp_path)
    err = capsys.readouterr().err
    assert "not run to the end: irnn, lstm (rerun this command with --cells irnn,lstm and another --out, its other " \
           "settings as they were; " in err
