"""Mutation round 37: ``--max-len``'s cut (353b5c81), by ``_encode`` itself. A pair is counted when either side is
longer (a long target with a short source too), and both sides come back cut to it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._translate_data import _encode

CHARS = SimpleNamespace(encode=lambda text: [ord(c) for c in text])


def test_a_long_target_alone_is_counted_and_both_sides_are_cut() -> None:
    pairs = [("ab", "abcdef"), ("abcde", "ab"), ("a", "b")]
    with pytest.warns(RnnkitWarning, match=r"^--max-len 3: 2 of 3 validation pairs have a side longer than 3 tokens .*"
                                           r"the longest side is 6 tokens"):
        encoded = _encode(pairs, CHARS, CHARS, 3, "validation")  # type: ignore[arg-type]
    assert [(len(a), len(b)) for a, b in encoded] == [(2, 3), (3, 2), (1, 1)]
