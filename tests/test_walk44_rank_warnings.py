"""Under torchrun a warning was said once a process (walk44): two processes of ``rnnkit train classify`` on a file
whose labels 'pos' and 'Pos' differ only in case printed the same ``rnnkit: warning:`` line twice, as
``--find-lr``'s note of unused flags, where rank 0 alone speaks (README, *Several processes and machines*)."""

from __future__ import annotations

import warnings

import pytest

from rnnkit.errors import RnnkitWarning, command_line, report_warnings, warn

LINE = "rnnkit: warning: labels 'pos' and 'Pos' differ only in case\n"


def _warned(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], rank: str | None,
            category: type[Warning] = RnnkitWarning) -> str:
    """What a command-line warning of ``category`` prints on stderr in the torchrun process of ``rank`` of 2 (None:
    no torchrun)."""
    for key, value in (("RANK", rank), ("WORLD_SIZE", "2" if rank is not None else None)):
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    with warnings.catch_warnings(record=True) as leaked, command_line(), report_warnings():
        warnings.simplefilter("always")
        warn("labels 'pos' and 'Pos' differ only in case", category)
    assert not leaked  # none left to Python's own printing, on any rank
    return capsys.readouterr().err


def test_rank_0_alone_says_a_warning_under_torchrun(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert _warned(monkeypatch, capsys, "0") == LINE
    assert _warned(monkeypatch, capsys, "1") == ""
    # a warning of the machine's, not of rnnkit's about the data (the fused kernels' failed build), stays each rank's
    assert _warned(monkeypatch, capsys, "1", RuntimeWarning) == LINE


def test_one_process_says_its_warning(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert _warned(monkeypatch, capsys, None) == LINE
