"""Gaps a mutation audit of the language model fusion of :mod:`rnnkit.tasks._speech_decoding` found (round 8):
each test fails on one changed line."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import torch
from test_speech_lm import runs  # noqa: F401  (the trained recogniser and language model)

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


def test_a_model_of_text_without_newlines_starts_a_transcript_after_its_space() -> None:
    """A model that never saw a newline reads a space before a transcript (a word boundary, what it knows), not
    its unknown character, and scores no end."""
    vocab = CharVocab.from_text("a b ba ab")
    fusion = fusion_of(["|", "a", "b"], SimpleNamespace(vocab=vocab, model=None), 0.5, 0.0, "lm")
    assert fusion.start == vocab.stoi[" "] != vocab.unk_index
    assert fusion.end is None


def test_decoding_many_utterances_weighs_them_by_the_fusion_as_the_prefix_search_does() -> None:
    """_decode_all with a Fusion (weight 1, bonus 2) gives each utterance the prefix search's result with that
    model's scorer, weight and bonus, which here differs from the search without it."""
    from rnnkit.models.ctc import prefix_beam_search
    from rnnkit.models.ctc_lm import LanguageModelScorer
    from rnnkit.models.speech import SpeechRecognizer
    from rnnkit.tasks._speech_decoding import Fusion, _decode_all

    torch.manual_seed(1)
    model = SpeechRecognizer(8, 3, hidden=8, layers=1, subsample=1).eval()
    lm = LanguageModel(6, hidden_size=8, num_layers=1, embed_dim=4).eval()
    fusion = Fusion(lm, (0, 2, 3, 4), 1, 1, 1.0, 2.0, "lm")
    feats = [torch.randn(n, 8) for n in (9, 5)]
    with torch.no_grad():
        got = _decode_all(model, feats, beam=3, fusion=fusion)
        for f, d in zip(feats, got, strict=True):
            lp, n = model(f.unsqueeze(0), torch.tensor([len(f)]))
            want = prefix_beam_search(lp[0], 3, int(n[0]), LanguageModelScorer(lm, (0, 2, 3, 4), 1, 1), 1.0, 2.0)
            assert (d.symbols, d.log_prob) == (want.symbols, pytest.approx(want.log_prob, rel=1e-5))
            assert d.log_prob != pytest.approx(prefix_beam_search(lp[0], 3, int(n[0])).log_prob, rel=1e-3)


def test_a_bonus_that_is_not_finite_is_refused_before_the_model_is_read() -> None:
    from rnnkit.errors import SettingError
    from rnnkit.tasks._speech_trained import Transcriber

    chars = SimpleNamespace(symbols=SimpleNamespace(kind="chars"))
    with pytest.raises(SettingError, match="^bonus nan: expected a finite number"):
        Transcriber._fusion(chars, "no/such/run", 2, 0.5, float("nan"))  # type: ignore[arg-type]


def test_transcribe_and_evaluate_decode_with_the_language_model_and_its_bonus(
        runs: dict[str, Any]) -> None:  # noqa: F811 (the fixture imported above)
    """A bonus of 50 per character outweighs any acoustic log-probability of these short utterances: with it the
    transcript is longer than without the model, its log-probability counts 50 per character, and evaluate's
    error rates follow the same transcripts as transcribe's."""
    import rnnkit

    rec, lm = rnnkit.load(runs["chars"]), rnnkit.load(runs["lm"])
    wav = str(runs["corpus"] / "wav" / "0.wav")
    plain = rec.transcribe(wav, beam=4, timings=True)
    fused = rec.transcribe(wav, beam=4, timings=True, lm=lm, lm_weight=0.0, bonus=50.0)
    assert len(fused["symbols"]) > len(plain["symbols"])
    assert fused["log_prob"] > 50.0 * len(fused["symbols"]) - 100.0
    assert rec.evaluate(runs["corpus"], beam=4, lm=lm, lm_weight=0.0, bonus=50.0)["cer"] > rec.evaluate(
        runs["corpus"], beam=4)["cer"]
