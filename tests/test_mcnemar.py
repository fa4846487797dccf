"""McNemar's exact test (rnnkit.metrics.mcnemar) against hand-worked cases and scipy's binomial test."""

from __future__ import annotations

import random

import pytest

from rnnkit.metrics import mcnemar


def pairs(first_only: int, second_only: int, both: int = 3, neither: int = 2) -> tuple[list[bool], list[bool]]:
    """Right/wrong of two classifiers on the same examples, with the given disagreements, shuffled."""
    rows = [(True, False)] * first_only + [(False, True)] * second_only + [(True, True)] * both
    rows += [(False, False)] * neither
    random.Random(first_only * 1000 + second_only).shuffle(rows)
    return [a for a, _ in rows], [b for _, b in rows]


def test_hand_worked_cases() -> None:
    assert mcnemar(*pairs(0, 7)) == {"first_only": 0, "second_only": 7, "p_value": pytest.approx(2 / 2**7)}
    assert mcnemar(*pairs(1, 4))["p_value"] == pytest.approx(2 * (1 + 5) / 2**5)  # 2 P(X <= 1), n = 5
    assert mcnemar(*pairs(5, 5))["p_value"] == 1.0  # an even split
    assert mcnemar(*pairs(0, 0))["p_value"] == 1.0  # they never disagree
    assert mcnemar(*pairs(0, 1))["p_value"] == 1.0  # 2 P(X <= 0) = 1 for one disagreement
    assert mcnemar([], []) == {"first_only": 0, "second_only": 0, "p_value": 1.0}


def test_symmetric_in_the_two_classifiers() -> None:
    a, b = pairs(12, 30)
    assert mcnemar(a, b)["p_value"] == mcnemar(b, a)["p_value"]
    assert (mcnemar(b, a)["first_only"], mcnemar(b, a)["second_only"]) == (30, 12)


@pytest.mark.parametrize(("first_only", "second_only"),
                         [(3, 10), (10, 3), (52, 53), (20, 45), (400, 480), (0, 40), (10_000, 10_400)])
def test_equals_scipy_binomial_test(first_only: int, second_only: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    expected = stats.binomtest(min(first_only, second_only), first_only + second_only, 0.5).pvalue
    assert mcnemar(*pairs(first_only, second_only))["p_value"] == pytest.approx(expected, rel=1e-9)


def test_refuses_different_lengths() -> None:
    with pytest.raises(ValueError, match="3 against 2 examples"):
        mcnemar([True, True, False], [True, False])
