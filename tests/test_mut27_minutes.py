"""Mutation round 27 of every ``--minutes`` flag checked by ``positive_float``: a fraction of a minute, or a number
written with an exponent, reaches the command as the number given (the refusals are pinned by
tests/test_fixf_minutes.py; no test read an accepted value back, so a checker that cut 0.25 to 0 went unseen)."""

from __future__ import annotations

import pytest

from rnnkit.cli import build_parser
from tests.test_fixf_minutes import COMMANDS


@pytest.mark.parametrize("value, minutes", [("0.25", 0.25), ("1.5e1", 15.0)])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_minutes_flag_takes_the_number_given(command: str, value: str, minutes: float) -> None:
    flag = COMMANDS[command][-1]
    args = build_parser().parse_args([*COMMANDS[command][:-1], flag, value, "--out", "run"])  # parsed, not run
    assert getattr(args, flag.removeprefix("--").replace("-", "_")) == minutes
