"""Mutation audit round 23: where `rnnkit train TASK`'s refusal of a stray word says the data comes from
(cli._data_from and cli._flag_value)."""

from __future__ import annotations

import pytest

from rnnkit import cli

FORGOTTEN = "rnnkit: error: t.csv: `rnnkit train classify` reads its data from --data FILE (--data t.csv), not from " \
            "a word alone\n"


def test_a_data_flag_after_dash_dash_gives_no_data(capsys: pytest.CaptureFixture[str]) -> None:
    """After `--` argparse reads `--data x.csv` as two words, not the flag: nothing on the line gives the data."""
    assert cli._flag_value(["t.csv", "--", "--data", "x.csv"], {"--data": True}, "--data") is None
    assert cli.main(["train", "classify", "t.csv", "--", "--data", "x.csv"]) == 2
    assert capsys.readouterr().err == FORGOTTEN


def test_a_data_flag_at_the_end_of_the_line_gives_no_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._flag_value(["t.csv", "--data"], {"--data": True}, "--data") is None
    assert cli.main(["train", "classify", "t.csv", "--data"]) == 2
    assert capsys.readouterr().err == FORGOTTEN


def test_an_ambiguous_prefix_gives_no_flag_its_value() -> None:
    """argparse refuses `--d x` where --data and --device both begin so: it gives --data nothing."""
    flags = {"--data": True, "--device": True}
    assert cli._flag_value(["--d", "x"], flags, "--data") is None
    assert cli._flag_value(["--da", "x"], flags, "--data") == "x"
