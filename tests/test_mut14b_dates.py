"""Gaps the mutation audit (round 14) of rnnkit.data.dates found: the fields a date is written with, and the
range and casing of the generated pairs."""

from __future__ import annotations

import datetime as dt

import pytest

from rnnkit.data.dates import date_pairs, render


@pytest.mark.parametrize(("day", "written"), [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (10, "10th"), (11, "11th"), (12, "12th"), (13, "13th"),
    (20, "20th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (30, "30th"), (31, "31st"),
])
def test_ordinal_days_take_their_english_suffix(day: int, written: str) -> None:
    assert render(dt.date(2001, 1, day), "{ord}") == written


def test_each_field_is_written_as_its_template_says() -> None:
    d = dt.date(2005, 9, 4)
    assert render(d, "{d}|{dd}|{m}|{mm}|{month}|{mon}|{yyyy}|{yy}|{weekday}") == (
        "4|04|9|09|September|Sep|2005|'05|Sunday")
    assert render(dt.date(1950, 12, 25), "{mon} {d} {yyyy}, {weekday}") == "Dec 25 1950, Monday"


def test_the_pairs_span_the_whole_range_and_are_lower_cased_about_a_third_of_the_time() -> None:
    pairs = date_pairs(3000, seed=1)
    years = {int(target[:4]) for _, target in pairs}
    assert min(years) == 1950 and max(years) == 2049
    lowered = sum(source == source.lower() and source != source.upper() for source, _ in pairs
                  if any(c.isalpha() for c in source))
    written = sum(any(c.isalpha() for c in source) for source, _ in pairs)
    assert 0.2 < lowered / written < 0.45
    assert date_pairs(5, seed=1) == pairs[:5] and date_pairs(5, seed=2) != pairs[:5]
