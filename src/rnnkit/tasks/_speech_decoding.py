"""Decoding and scoring shared by the recogniser and its training: CTC decoding (greedy or prefix beam search)
of many utterances in batches of similar lengths, and the phoneme, character and word error rates.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rnnkit.data.batching import length_sorted_batches, pad_features
from rnnkit.data.speech import SPACE
from rnnkit.device import model_device, to_device
from rnnkit.models.ctc import Decoded, greedy_decode, prefix_beam_search
from rnnkit.models.speech import SpeechRecognizer


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


def _decode_all(model: SpeechRecognizer, feats: Sequence[torch.Tensor], beam: int = 1,
                batch_size: int = 32, frames: int = 32 * 2000) -> list[Decoded]:
    """The decoding of each utterance, returned in the order given, computed in batches of at most
    ``batch_size`` utterances of similar lengths and ``frames`` padded frames (32 of 20 s), a longer one alone:
    batches cut in the order given padded 31 utterances to the length of a long recording among them
    (2.0 GB for three minutes among short words, 0.5 GB now)."""
    out: dict[int, Decoded] = {}
    for batch in length_sorted_batches(feats, batch_size, frames):
        x, lengths = to_device(pad_features([feats[i] for i in batch]), model_device(model))
        log_probs, out_len = (t.cpu() for t in model(x, lengths))  # the searches read them on the CPU
        for i, lp, n in zip(batch, log_probs, out_len.tolist(), strict=True):
            out[i] = greedy_decode(lp, n) if beam == 1 else prefix_beam_search(lp, beam, n)
    return [out[i] for i in range(len(feats))]
