"""Gaps a mutation audit of round 28 found in how the CLI reads torchrun's ``WORLD_SIZE`` and ``RANK``
(``cli._world_size``, ``_speaks``): a stray value in a shell of one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize(("world", "rank"), [("1", "1"), (None, "3"), ("abc", "2")])
def test_a_stray_rank_in_a_shell_of_one_process_silences_nothing(
        world: str | None, rank: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only a rank > 0 below a WORLD_SIZE that torchrun set keeps quiet: ``RANK=1 WORLD_SIZE=1`` or a RANK
    without WORLD_SIZE is one process, which says its error and its version (a rank at or above the world size,
    or no world size at all, read as 'not rank 0' printed nothing and exited 2)."""
    monkeypatch.setenv("RANK", rank)
    if world is None:
        monkeypatch.delenv("WORLD_SIZE", raising=False)
    else:
        monkeypatch.setenv("WORLD_SIZE", world)
    assert main(["evaluate", str(tmp_path / "none")]) == 2
    assert "rnnkit: error: " in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("rnnkit ")


def test_a_world_size_written_with_spaces_is_read_as_its_number(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``WORLD_SIZE=' 4'`` is four processes as train's strict reading takes it, so another command is refused
    (read without stripping it was one process, and each of four would have run it whole)."""
    monkeypatch.setenv("WORLD_SIZE", " 4 ")
    monkeypatch.setenv("RANK", "0")
    out = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(out), "--pairs", "5"]) == 2
    assert "under torchrun (WORLD_SIZE=4)" in capsys.readouterr().err
    assert not out.exists()
