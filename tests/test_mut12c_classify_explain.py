"""Mutation gaps of rnnkit.tasks._classify_explain, on a stand-in for a model's log-odds (no training): a file's
rows are read CHUNK variants at a time, no more rows held than fill one chunk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
import torch
from torch import Tensor

from rnnkit.tasks import _classify_explain
from rnnkit.tasks._classify_explain import explain_rows


def test_rows_are_read_a_full_chunk_at_a_time_and_answered_as_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of two words have three variants each: two rows fill a chunk of 6, read in one call, and the first
    row's words come before the fourth row is read (a file's rows are not all held)."""
    monkeypatch.setattr(_classify_explain, "CHUNK", 6)
    read: list[int] = []
    calls: list[int] = []

    def rows() -> Iterator[str]:
        for i in range(4):
            read.append(i)
            yield "a b"

    def log_odds(variants: Sequence[str]) -> Tensor:
        calls.append(len(variants))
        return torch.zeros(len(variants), 2)

    answers = explain_rows(log_odds, ["x", "y"], rows(), 5, [["x"]] * 4)
    assert set(next(answers)) == {"x"}
    assert read == [0, 1, 2] and calls == [6]
    assert len(list(answers)) == 3 and calls == [6, 6]
