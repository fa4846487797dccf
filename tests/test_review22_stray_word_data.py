"""The line refusing a stray word of ``rnnkit train TASK`` names the data the run would read: of a flag given twice,
the last, as argparse takes it (``--data a.csv --data b.csv``: b.csv; it named a.csv)."""

from __future__ import annotations

import pytest

from rnnkit import cli


def test_a_flag_given_twice_is_named_by_its_last_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "classify", "--data", "a.csv", "--data=b.csv", "stray.csv"]) == 2
    err = capsys.readouterr().err
    assert "its data comes from --data b.csv;" in err and "a.csv" not in err
