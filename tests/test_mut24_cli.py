"""Mutation audit round 24 of the stray word's refusal (rnnkit.cli._flag_value): ``--data=VALUE`` is split at its
first '=' only, as argparse splits it, so a file named with '=' (``part=1.csv``, a Hive-style partition) is named
whole."""

from __future__ import annotations

import pytest

from rnnkit import cli


def test_a_data_value_holding_an_equals_sign_is_named_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "classify", "--data=year=2024.csv", "stray.csv"]) == 2
    assert "its data comes from --data year=2024.csv;" in capsys.readouterr().err
