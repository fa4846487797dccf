"""Mutation round 38 on the warning of references scored otherwise than written (walk46 made it the captioner's
too): a folder of one reference says '1 of 1 reference', its noun in the singular (wording.counted)."""

from __future__ import annotations

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._translate_decoding import warn_rewritten


def test_one_reference_is_said_in_the_singular() -> None:
    with pytest.warns(RnnkitWarning, match=r"^1 of 1 reference were scored as the model's word tokens write them "
                                           r"\(lower-cased and split at punctuation, e.g\. 'A cat\.' as 'a cat \.'\)"):
        warn_rewritten(["A cat."], ["a cat ."], "word", "captions", "lower-cased and split at punctuation")
