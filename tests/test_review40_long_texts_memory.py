"""review40: the --max-len warning of walk52 encoded every text whole and kept all the whole token lists until the
end, so a corpus of long texts (call transcripts) was held whole in memory, not cut to --max-len a text as before;
each whole list is now let go as soon as its length is counted and it is cut."""

from __future__ import annotations

import tracemalloc

import pytest

from rnnkit.tasks._classify_data import _encode_read


class _Tokenizer:
    """One token a character, each its own int object (so that a list of them weighs its length)."""

    def encode(self, text: str) -> list[int]:
        return [1000 + ord(c) for c in text]


def test_the_whole_token_lists_of_long_texts_are_not_held_together() -> None:
    texts = ["x" * 20_000] * 20  # 20 texts of 20,000 tokens: some 13 MB held whole, 0.7 MB one at a time
    tracemalloc.start()
    try:
        with pytest.warns(UserWarning, match="20 of 20 texts"):
            ids = _encode_read(_Tokenizer(), texts, 8)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [len(i) for i in ids] == [8] * 20
    assert peak < 4_000_000, peak
