"""rnnkit.wording.counted: without a format the number is written as it is (a gap test_wording left open)."""

from __future__ import annotations

from rnnkit.wording import counted


def test_the_number_is_plain_without_a_format() -> None:
    assert counted(1234, "pair") == "1234 pairs" and counted(1, "pair", ",") == "1 pair"
