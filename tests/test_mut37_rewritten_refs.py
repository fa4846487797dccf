"""Mutation round 37: the rewritten-references warning (b9d4e710) gives a split reference as its example when any
reference was split, though the first one rewritten was only NFC-normalised."""

from __future__ import annotations

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._translate_decoding import warn_rewritten


def test_a_split_after_a_normalised_one_is_the_example() -> None:
    given, refs = ["cafe\u0301 x", "x-y", "a b"], ["café x", "x - y", "a b"]
    with pytest.warns(RnnkitWarning, match=r"^2 of 3 references were scored as the model's word tokens write them "
                                           r"\(split at punctuation, e\.g\. 'x-y' as 'x - y'\)"):
        warn_rewritten(given, refs, "word")
