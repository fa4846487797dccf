"""Mutation gaps of rnnkit.models.baseline on a few texts (scikit-learn fits them in a moment): ties of the
validation score keep the smaller C, a label on every training text is given at a threshold of 1, and a single
fitted label's probability is that of the label, not of its absence, and labels all constant are refused."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from rnnkit.errors import UserError  # noqa: E402
from rnnkit.models.baseline import C_GRID, TfidfLogReg, TfidfOneVsRest  # noqa: E402

TEXTS = ["good film", "great film", "bad film", "awful film", "good fun", "bad fun"]


def test_a_tie_keeps_the_smallest_c_and_predict_before_fit_is_refused() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        TfidfLogReg().predict(["good"])
    labels = ["pos", "pos", "neg", "neg", "pos", "neg"]
    model = TfidfLogReg().fit(TEXTS, labels, TEXTS, labels)
    assert model.val_accuracy == 1.0 and model.C == C_GRID[0]
    words = dict(model.features.transformer_list)["word"].vocabulary_
    assert {"good", "good film"} <= set(words)  # word unigrams and bigrams, as DESCRIPTION says


def test_one_vs_rest_ties_threshold_and_a_single_fitted_label() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        TfidfOneVsRest(["a"]).probabilities(["good"])
    labels = [["film", "pos"], ["film", "pos"], ["film"], ["film"], ["pos"], []]
    model = TfidfOneVsRest(["film", "pos", "never"], threshold=1.0).fit(TEXTS, labels, TEXTS, labels)
    assert model.C == C_GRID[0]
    probs = model.probabilities(["good film", "bad film"])
    assert probs[:, 2].tolist() == [0.0, 0.0]
    assert probs[0, 1] > 0.5 > probs[1, 1]  # the label's own probability
    every = TfidfOneVsRest(["all", "pos"], threshold=1.0).fit(TEXTS, [["all", *x[1:]] for x in labels], TEXTS,
                                                                [["all"]] * 6)
    assert every.predict(["good film"]) == [["all"]]  # a label on every training text: probability 1, at 1 given
    pos = every.probabilities(["good film", "bad film"])[:, 1]  # the only fitted label: its own probability
    assert pos[0] > pos[1]
    with pytest.raises(UserError, match="^--baseline: every label is on all of the training texts or on none; "):
        TfidfOneVsRest(["all", "never"]).fit(TEXTS, [["all"]] * 6, TEXTS, [["all"]] * 6)
