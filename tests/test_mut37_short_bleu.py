"""Mutation round 37: the warning that a BLEU of 0 says nothing of outputs under 4 tokens (fba16f83). It counts
sacreBLEU's 13a tokens (``x, y.`` is four: ``x , y .``), not words; it is said of nothing when there are no
outputs; and a captioner's evaluation says it of captions."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks import _caption_trained
from rnnkit.tasks._translate_decoding import warn_short_bleu


def _said(hyps: list[str]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RnnkitWarning)
        warn_short_bleu(hyps, 0.0)
    return [str(w.message) for w in caught]


def test_punctuation_counts_as_tokens() -> None:
    assert _said(["x, y."]) == []  # four 13a tokens: a BLEU of 0 means no 4-gram matched
    assert _said(["x y"])[0].startswith("BLEU is 0 because no translation is 4 tokens long")


def test_no_outputs_no_warning() -> None:
    assert _said([]) == []


def test_a_captioners_evaluation_warns_of_short_captions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_caption_trained, "read_captions", lambda folder: [SimpleNamespace(image=None,
                                                                                           captions=["red square"])])
    fake = SimpleNamespace(caption=lambda images, beam: ["red square"], checkpoints=[SimpleNamespace(path="m")])
    with pytest.warns(RnnkitWarning, match=r"^BLEU is 0 because no caption is 4 tokens long"):
        scores = _caption_trained.ImageCaptioner.evaluate(fake, tmp_path)  # type: ignore[arg-type]
    assert (scores["bleu"], scores["exact_match"]) == (0.0, 1.0)
