"""Gaps a mutation audit of :mod:`rnnkit.models.ctc_lm` found (round 10): each test fails on one changed line."""

from __future__ import annotations

from test_mut8_ctc import _counting_scorer

from rnnkit.models.ctc_lm import LanguageModelScorer


def test_retain_reads_a_kept_prefix_not_yet_read_while_its_parent_is_known() -> None:
    """``retain`` reads each kept prefix now (its docstring): a child of a prefix read before, kept while the parent
    is dropped, costs one step then and none later; read after the parent was forgotten it would cost two."""
    scorer, read, model = _counting_scorer()
    fresh = LanguageModelScorer(model, [0, 3, 4, 5, 2], start=1, end=1)
    scorer.log_probs((2,))
    del read[:]
    scorer.retain([(2, 1)])
    assert read == [3]  # class 1's token, one step from (2,)'s state
    got = scorer.log_probs((2, 1))
    assert read == [3]
    assert (got == fresh.log_probs((2, 1))).all()
