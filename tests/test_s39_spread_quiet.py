"""Autotune's F1 spread predicts the validation texts again with each trial's model: a trial cutting long texts at its
--max-len must not say so there (once per trial, between the trial lines); the final run's training says it once."""

from __future__ import annotations

import warnings
from pathlib import Path

import rnnkit
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._classify_autotune import _f1_spread
from rnnkit.tasks._classify_data import load_source


def test_a_trial_s_spread_says_nothing_of_texts_cut_at_its_max_len(tmp_path: Path) -> None:
    data = tmp_path / "d.txt"
    data.write_text("".join(f"__label__{lab} {word} film {' '.join(['long'] * 12)} {i}\n" for i in range(8)
                            for lab, word in (("a", "good"), ("b", "bad"))), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RnnkitWarning)  # training's own warning of the cut texts
        rnnkit.fit("classify", data=str(data), out=tmp_path / "run", tokenizer="word", layers=0, pooling="mean",
                   max_len=4, steps=2, eval_every=2, verbose=False, progress=False)
    table = load_source(str(data), "text", "label")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnnkit.load(tmp_path / "run").probabilities(table.texts[:2])  # the model reading them says it ...
        assert any("longer than the model's max_len" in str(w.message) for w in caught)
        caught.clear()
        assert _f1_spread(table, "macro_f1")(tmp_path / "run") is not None  # ... a trial's spread does not
    assert [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)] == []
