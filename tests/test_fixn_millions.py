"""The size line's character counts (``_millions``): 99,950 to 99,999 read ``100.0 k`` where every larger count reads
in millions; they read ``0.1 M`` now. Checked by brute force on every count around each boundary."""

from __future__ import annotations

import itertools

import pytest

from rnnkit.tasks._charlm_size import _millions


def test_every_count_reads_in_one_unit_within_its_rounding() -> None:
    for chars in itertools.chain(range(0, 2_000), range(99_000, 101_000), range(999_000, 1_001_000),
                                 range(9_999_000, 10_001_000, 7), range(99_990_000, 100_010_000, 97)):
        said = _millions(chars)
        number, unit = said.split(" ")
        scale = {"k": 1e3, "M": 1e6}[unit]
        assert abs(float(number) * scale - chars) <= 0.05 * scale + 1e-6, (chars, said)
        assert (float(number) < 100) if unit == "k" else (float(number) >= 0.1), (chars, said)


@pytest.mark.parametrize(("chars", "said"), [(99_949, "99.9 k"), (99_950, "0.1 M"), (99_999, "0.1 M"),
                                             (100_000, "0.1 M"), (949_999, "0.9 M"), (999_949, "1.0 M"),
                                             (49, "0.0 k"), (12_345_678, "12.3 M")])
def test_the_boundaries(chars: int, said: str) -> None:
    assert _millions(chars) == said
