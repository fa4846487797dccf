"""rnnkit.train.memory: which setting a memory refusal names (the one furthest above its default, compared in
logarithms), and the bytes written in powers of ten from 10^15 GB (mutation audit round 17)."""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.train.memory import _furthest_above_default, _gigabytes


@dataclass
class _Sizes:
    hidden: int = 100
    layers: int = 2
    width: int = 100
    embedding: int = 0       # chosen by the task: the value itself counts
    bidirectional: bool = True
    name: str = "x"


def test_of_equals_the_first_given_is_named() -> None:
    assert _furthest_above_default(_Sizes(), {"hidden": 200, "width": 200, "layers": 3}) == "hidden"
    assert _furthest_above_default(_Sizes(), {"width": 200, "hidden": 200, "layers": 3}) == "width"


def test_a_flag_or_a_word_is_never_named_over_a_size() -> None:
    """A size below its default is still the one named: True is no count of units, nor is a string."""
    assert _furthest_above_default(_Sizes(), {"bidirectional": True, "hidden": 10}) == "hidden"
    assert _furthest_above_default(_Sizes(), {"name": "abc", "hidden": 10}) == "hidden"


def test_a_default_of_zero_counts_the_value_itself() -> None:
    assert _furthest_above_default(_Sizes(), {"embedding": 300, "hidden": 20000}) == "embedding"
    assert _furthest_above_default(_Sizes(), {"embedding": 300, "hidden": 40000}) == "hidden"


def test_the_bytes_are_written_in_powers_of_ten_from_10_to_the_15_gigabytes() -> None:
    assert _gigabytes(10**24) == "1 × 10^15 GB"
    assert _gigabytes(10**24 - 10**9) == "999,999,999,999,999 GB"
