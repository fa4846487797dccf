"""Decoding and scoring shared by the recogniser and its training: CTC decoding (greedy or prefix beam search,
optionally with a character language model: :class:`Fusion`) of many utterances in batches of similar lengths,
and the phoneme, character and word error rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.data.batching import length_sorted_batches, pad_features
from rnnkit.data.speech import SPACE
from rnnkit.data.tokenize import warn_unknown
from rnnkit.device import model_device, to_device
from rnnkit.errors import UserError
from rnnkit.models.ctc import Decoded, greedy_decode, prefix_beam_search
from rnnkit.models.ctc_lm import LanguageModelScorer
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.speech import SpeechRecognizer


def rate_said(name: str, value: float) -> str:
    """An error rate as every line a user reads says it (``PER 0.2500``): ``rnnkit train speech``'s closing line and
    ``rnnkit evaluate``'s, at one precision (they said 0.250 and 0.2500)."""
    return f"{name.upper()} {value:.4f}"


def error_rates(hyps: Sequence[str], refs: Sequence[str], kind: str) -> dict[str, float]:
    """``per`` (phonemes; word boundaries left out) or ``cer`` (characters), and ``wer`` (words: phoneme
    groups between ``|``, or words of the text), from ``jiwer``."""
    import jiwer

    if not refs:
        return {}
    if kind == "phonemes":
        def drop(s: str) -> str:
            return " ".join(p for p in s.split() if p != SPACE)

        def words(s: str) -> str:
            return " ".join(w.replace(" ", "") for w in s.split(SPACE))

        # an empty reference (a transcript espeak-ng gives no phonemes) counts each written phoneme as an insertion
        out = {"per": jiwer.wer([drop(r) for r in refs], [drop(h) for h in hyps])}
        out["wer"] = jiwer.wer([words(r) for r in refs], [words(h) for h in hyps])
        return out
    return {"cer": jiwer.cer(list(refs), list(hyps)), "wer": jiwer.wer(list(refs), list(hyps))}


#: the conjoining jamo that a recogniser of Korean writes for Hangul (its symbols decomposed, NFD)
_JAMO = ("\u1100", "\u11ff")

#: the defaults of ``--lm-weight`` and ``--bonus``
LM_WEIGHT, BONUS = 0.5, 0.0


@dataclass(frozen=True)
class Fusion:
    """A character language model weighing the prefix search's hypotheses (``--lm``; shallow fusion): its
    log-probabilities ``weight`` times, a ``bonus`` per symbol written (as DeepSpeech's and torchaudio's word
    insertion bonus, against the model's preference for short transcripts); ``source`` names the model."""

    model: LanguageModel
    class_ids: tuple[int, ...]
    start: int
    end: int | None
    weight: float
    bonus: float
    source: str

    def scorer(self) -> LanguageModelScorer:
        """A fresh scorer, for one utterance."""
        return LanguageModelScorer(self.model, self.class_ids, self.start, self.end)


def fusion_of(symbols: Sequence[str], lm: Any, weight: float, bonus: float, where: str) -> Fusion:
    """The :class:`Fusion` of a loaded character language model (``rnnkit.load`` of a charlm run) for a
    recogniser writing ``symbols`` (characters, ``|`` a space): each symbol read as its character; ones the model
    lacks read as its unknown character, with a warning naming them, and refused when it knows none but the space
    (every letter would be its unknown character: a model of another script, or of Hangul syllables for a recogniser
    of jamo)."""
    vocab = lm.vocab
    chars = [" " if s == SPACE else s for s in symbols]
    missing = [s for s, c in zip(symbols, chars, strict=True) if c not in vocab]
    letters = [c for c in chars if c != " "] or chars
    if not any(c in vocab for c in letters):
        shown = "".join(letters[:20]) + ("..." if len(letters) > 20 else "")
        jamo = any(_JAMO[0] <= c <= _JAMO[1] for c in letters)
        raise UserError(f"{where}: the language model knows none of the recogniser's letters ({shown}); "
                        + ("this recogniser writes Hangul as jamo: train the model on the text decomposed, "
                           "unicodedata.normalize('NFD', text)" if jamo else
                           "train it on text in the transcripts' script"))
    if missing:
        warn_unknown("character", missing, "the language model", "scored as its unknown symbol", where=where)
    start = vocab.stoi.get("\n", vocab.stoi.get(" ", vocab.unk_index))
    end = vocab.stoi["\n"] if "\n" in vocab else None
    return Fusion(lm.model, (0, *vocab.ids(chars)), start, end, weight, bonus, where)


def _decode_all(model: SpeechRecognizer, feats: Sequence[torch.Tensor], beam: int = 1,
                batch_size: int = 32, frames: int = 32 * 2000, fusion: Fusion | None = None) -> list[Decoded]:
    """The decoding of each utterance, returned in the order given, computed in batches of at most
    ``batch_size`` utterances of similar lengths and ``frames`` padded frames (32 of 20 s), a longer one alone:
    batches cut in the order given padded 31 utterances to the length of a long recording among them
    (2.0 GB for three minutes among short words, 0.5 GB now)."""
    out: dict[int, Decoded] = {}
    for batch in length_sorted_batches(feats, batch_size, frames):
        x, lengths = to_device(pad_features([feats[i] for i in batch]), model_device(model))
        log_probs, out_len = (t.cpu() for t in model(x, lengths))  # the searches read them on the CPU
        for i, lp, n in zip(batch, log_probs, out_len.tolist(), strict=True):
            if beam == 1:
                out[i] = greedy_decode(lp, n)
            elif fusion is None:
                out[i] = prefix_beam_search(lp, beam, n)
            else:
                out[i] = prefix_beam_search(lp, beam, n, fusion.scorer(), fusion.weight, fusion.bonus)
    return [out[i] for i in range(len(feats))]
