"""Translator.score reads 64 targets at a time, and up to 64 x max_len padded target tokens (mutation audit round
19)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import rnnkit
from tests import test_translate_score as m

pytestmark = pytest.mark.usefixtures("one_torch_thread")
run = m.run


def _rows(tr: object, pairs: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list]:
    """The number of targets of each forward pass while ``pairs`` are scored, and the scores."""
    rows: list[int] = []
    model = tr.model  # type: ignore[attr-defined]
    forward = model.forward
    monkeypatch.setattr(model, "forward", lambda *args: rows.append(args[2].shape[0]) or forward(*args))
    return rows, tr.score(pairs)  # type: ignore[attr-defined]


def test_64_short_targets_are_one_batch_and_the_65th_the_next(run: tuple[Path, Path, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, a, _ = run
    rows, results = _rows(rnnkit.load(a), [("abc", "xyz")] * 65, monkeypatch)
    assert rows == [64, 1]
    assert all(math.isclose(r["log_prob"], results[0]["log_prob"], rel_tol=1e-5) for r in results)


def test_long_targets_fill_a_batch_up_to_64_times_max_len_tokens(run: tuple[Path, Path, Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Targets of 300 tokens under --max-len 100: 21 of them a batch (21 x 300 <= 6,400), not fewer."""
    _, a, _ = run
    tr = rnnkit.load(a)
    assert tr.max_len == 100 and len(tr.target.encode("xyz" * 100)) == 300
    rows, _ = _rows(tr, [("abc", "xyz" * 100)] * 42, monkeypatch)
    assert rows == [21, 21]
