"""review40: walk53's header warning matched both sides of every pair of a pairs file against its column-name
pattern on every read (train, evaluate), 2 million matches for a corpus of a million pairs, even where the first
pair, which alone can be a header, is a sentence; the rest are now looked at only after a first pair of names."""

from __future__ import annotations

import re

import pytest

from rnnkit.data import pairs as pairs_module


class _Counted:
    """The column-name pattern, counting its matches."""

    def __init__(self) -> None:
        self.calls = 0

    def fullmatch(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return re.fullmatch(r"[^\W\d]\w*", text)


def test_a_first_pair_of_sentences_is_the_only_pair_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = _Counted()
    monkeypatch.setattr(pairs_module, "_COLUMN_NAME", counted)
    pairs_module._warn_header("p.tsv", [("Go home.", "Geh heim.")] + [("a b", "c d")] * 100)
    assert counted.calls <= 2


def test_a_header_is_still_warned_of(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(UserWarning, match="p.tsv:1: 'source' and 'target' look like column names"):
        pairs_module._warn_header("p.tsv", [("source", "target")] + [("a b", "c d")] * 5)
