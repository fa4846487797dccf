"""Gaps a mutation audit of the language model fusion of :mod:`rnnkit.tasks._speech_decoding` found (round 8):
each test fails on one changed line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import UserError
from rnnkit.models.language_model import LanguageModel
from rnnkit.tasks._speech_decoding import fusion_of


def test_the_fusions_scorer_ends_a_transcript_on_the_models_newline() -> None:
    """A model of lines scores the end of a transcript as its newline after it: after the start (the newline)
    the end is the model's log-probability of a second newline, not 0."""
    vocab = CharVocab.from_text("a b\nb a\n")
    torch.manual_seed(0)
    model = LanguageModel(len(vocab), hidden_size=8, num_layers=1, embed_dim=4).eval()
    fusion = fusion_of(["|", "a", "b"], SimpleNamespace(vocab=vocab, model=model), 0.5, 0.0, "lm")
    newline = vocab.stoi["\n"]
    with torch.no_grad():
        logits, _ = model.own_step(torch.tensor([newline]), None, 0)
    want = float(torch.log_softmax(logits[0], -1)[newline])
    assert want < 0
    assert fusion.scorer().end(()) == pytest.approx(want, abs=1e-6)


def test_a_recogniser_of_the_space_alone_is_read_by_a_model_that_knows_the_space() -> None:
    """With no letter at all the symbols themselves are judged: a model knowing the space reads a recogniser that
    writes only word boundaries (no refusal that it knows none of the letters, of which there are none)."""
    vocab = CharVocab.from_text("a b\n")
    fusion = fusion_of(["|"], SimpleNamespace(vocab=vocab, model=None), 0.5, 0.0, "lm")
    assert fusion.class_ids == (0, vocab.stoi[" "])


JAMO_HINT = "this recogniser writes Hangul as jamo"


@pytest.mark.parametrize(("symbols", "shown", "jamo"), [
    (["|", *"abcdefghijklmnopqrst"], "abcdefghijklmnopqrst", False),  # 20 letters: all shown
    (["|", *"abcdefghijklmnopqrstu"], "abcdefghijklmnopqrst...", False),  # 21: the first 20 and "..."
    (["|", "\u1100", "\u1161", "x"], "\u1100\u1161x", True),  # jamo among other letters: still the jamo hint
    (["|", "\u11ff"], "\u11ff", True),  # the last conjoining jamo, U+11FF, is one
])
def test_the_refusal_of_a_model_knowing_no_letter_shows_twenty_and_spots_any_jamo(symbols: list[str], shown: str,
                                                                                jamo: bool) -> None:
    vocab = CharVocab.from_text("\uac00 \ub098\n")  # Hangul syllables and the space
    with pytest.raises(UserError) as e:
        fusion_of(symbols, SimpleNamespace(vocab=vocab, model=None), 0.5, 0.0, "lm")
    assert str(e.value).startswith(f"lm: the language model knows none of the recogniser's letters ({shown}); ")
    assert (JAMO_HINT in str(e.value)) == jamo
