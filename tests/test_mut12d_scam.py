"""rnnkit.data.scam: each transcript is a call of its label's kinds, the sums' four spellings, each kind of
speech-to-text noise at its edge, and the seeds of the splits (gaps the scam tests of test_classify_data left
open)."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from rnnkit.data import scam


def _call_pattern(stages: Sequence[Sequence[str | None]]) -> str:
    """A regular expression of every transcript (without noise) of a kind of call: slots match any text."""
    out = ""
    for i, stage in enumerate(stages):
        alts = "|".join(".+?".join(map(re.escape, re.split(r"\{\w+\}", s))) for s in stage if s is not None)
        if None in stage:
            out += f"(?: (?:{alts}))?"
        else:
            out += f"{' ' if i else ''}(?:{alts})"
    return out


def test_a_transcript_without_noise_is_a_call_of_its_label() -> None:
    kinds = {"scam": [_call_pattern(k) for k in scam.SCAM_CALLS],
             "normal": [_call_pattern(k) for k in scam.NORMAL_CALLS]}
    rows = scam.generate(60, seed=4, noise=0.0)
    for text, label in rows:
        assert any(re.fullmatch(p, text) for p in kinds[label]), (label, text)
    assert Counter(label for _, label in scam.generate(3, seed=0)) == {"scam": 2, "normal": 1}  # round(1.5)


def test_a_sum_is_spelt_four_ways_in_tens_of_ten_thousands() -> None:
    said = {scam._amount(random.Random(seed), 1234, 1234) for seed in range(60)}
    assert said == {"천이백삼십만 원", "1,230만원", "12,300,000원", "1230만 원"}
    assert {scam._amount(random.Random(seed), 37, 37) for seed in range(60)} == {
        "삼십칠만 원", "37만원", "370,000원", "37만 원"}


class _Scripted:
    """A stand-in random.Random: ``random()`` gives the scripted numbers in turn; ``choice`` the first item,
    ``randint`` the lowest."""

    def __init__(self, numbers: list[float]) -> None:
        self.numbers = list(numbers)

    def random(self) -> float:
        return self.numbers.pop(0)

    def choice(self, items: Sequence[str]) -> str:
        return items[0]

    def randint(self, low: int, high: int) -> int:
        return low


@pytest.mark.parametrize("text, numbers, said", [
    # per word: filler or stutter (r), lost (l); then per word written: its gap (g)
    ("가나 다라마", [0.10, 0.5, 0.5, 0.01, 0.5, 0.5], "가나 가나"),  # a stutter, a word lost
    ("가나 다", [0.08, 0.5, 0.5, 0.01, 0.5, 0.5, 0.5], "가나 가나 다"),  # r at the filler's edge: a stutter
    ("가나 다", [0.07, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "어 가나 다"),  # a filler
    ("가나다 라마", [0.5, 0.5, 0.5, 0.5, 0.15, 0.5], "가 나다 라마"),  # g at the dropped space's edge: one more
    ("가나 다라마", [0.5, 0.5, 0.5, 0.5, 0.5, 0.14], "가나다라마"),  # a space dropped
    ("가나 다라", [0.5, 0.5, 0.5, 0.5, 0.16, 0.5], "가나 다라"),  # too short to split
    ("입니다 입니다", [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "입니다 입니다"),  # the pronounced spelling's edge
    ("입니다 입니다", [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], "임니다 입니다"),  # once
])
def test_each_kind_of_noise_at_its_edge(text: str, numbers: list[float], said: str) -> None:
    rng = _Scripted(numbers)
    assert scam._noise(rng, text, 1.0) == said  # type: ignore[arg-type]
    assert rng.numbers == []


def test_each_split_and_each_seed_has_its_own_calls(tmp_path: Path) -> None:
    first = scam.write_corpus(tmp_path / "a", 5, 5, 5, seed=0)
    second = scam.write_corpus(tmp_path / "b", 5, 5, 5, seed=1)
    texts = [set(p.read_text(encoding="utf-8").splitlines()[1:]) for p in (*first, *second)]
    assert all(not texts[i] & texts[j] for i in range(6) for j in range(i))
    assert b"\r" not in first[0].read_bytes()
