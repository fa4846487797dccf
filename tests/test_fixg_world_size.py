"""A ``WORLD_SIZE`` left in the shell of one process (fixg): a command other than ``train`` was refused for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize(("world", "rank"), [("abc", None), ("", None), ("1", "3"), ("0", None)])
def test_a_command_of_one_process_runs_whatever_stray_world_size_the_shell_holds(
        world: str, rank: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``WORLD_SIZE=abc rnnkit data ...`` said 'environment variable WORLD_SIZE='abc': expected an integer
    (torchrun sets it)', and ``RANK=3 WORLD_SIZE=1`` 'expected 0 <= RANK < WORLD_SIZE': refused, though no
    torchrun started it (torchrun sets a whole number, and a rank below it)."""
    monkeypatch.setenv("WORLD_SIZE", world)
    if rank is None:
        monkeypatch.delenv("RANK", raising=False)
    else:
        monkeypatch.setenv("RANK", rank)
    out = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(out), "--pairs", "5"]) == 0, capsys.readouterr().err
    assert out.is_file()


def test_the_refusal_under_torchrun_names_the_variable_it_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A scheduler that sets ``WORLD_SIZE=4`` for one process: the line said 'under torchrun', not why it
    thought so."""
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "0")
    out = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(out), "--pairs", "5"]) == 2
    err = capsys.readouterr().err
    assert "under torchrun (WORLD_SIZE=4)" in err and "unset WORLD_SIZE" in err, err
    assert not out.exists()
