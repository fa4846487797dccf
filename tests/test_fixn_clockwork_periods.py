"""Clockwork periods given twice (``periods=[1, 1]``, ``[1, 2, 2, 4]``) were accepted: two modules of one clock,
the first reading the second but not the other way round, an order-dependent cut of one module's connections that
Koutník et al.'s distinct, increasing periods never make. They are now refused with [4, 1]'s message, which says
what the periods mean."""

from __future__ import annotations

import pytest

from rnnkit import Recurrent
from rnnkit.cells import make_cell


@pytest.mark.parametrize("periods", [[1, 1], [1, 2, 2, 4], [3, 3, 3], [2, 1]])
def test_periods_that_do_not_rise_are_refused_saying_what_they_mean(periods: list[int]) -> None:
    with pytest.raises(ValueError) as caught:
        make_cell("clockwork", 8, periods=periods)
    assert str(caught.value).startswith(f"clockwork: periods must be listed fast to slow (strictly ascending), got "
                                        f"{periods}; module i updates when t is a multiple of periods[i]")
    with pytest.raises(ValueError, match="strictly ascending"):
        Recurrent("clockwork", 3, 8, periods=periods)


@pytest.mark.parametrize("periods", [[1], [1, 2], [1, 3, 5], [2, 4, 8]])
def test_distinct_rising_periods_still_build(periods: list[int]) -> None:
    assert make_cell("clockwork", 8, periods=periods).periods == periods
