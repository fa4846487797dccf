"""The translator's decoding and scoring: greedy decoding in batches, the checks of the decoding options, the
length limit of a hypothesis, and sacreBLEU's BLEU and chrF (which the captioner's BLEU uses too; it decodes
in :mod:`rnnkit.tasks._caption_decoding`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rnnkit.data.tokenize import (
    pad_batch,
)
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    check_count,
    check_finite,
)
from rnnkit.models.seq2seq import Hypothesis, Seq2Seq
from rnnkit.train.building import MAX_DECODE_LENGTH


def _greedy(model: Seq2Seq, srcs: Sequence[list[int]], a: float, b: int) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for start in range(0, len(srcs), 64):
        src, src_len = to_device(pad_batch(srcs[start:start + 64]), model_device(model))
        out.extend(model.greedy(src, src_len, _max_lengths(src_len, a, b, MAX_DECODE_LENGTH)))
    return out


def _check_decoding(max_len_a: float, max_len_b: int, no_repeat_ngram: int, alpha: float) -> tuple[int, int]:
    """Refuse decoding settings that would run without end or rank by NaN (one line naming the argument, or
    the flag on the command line); ``(max_len_b, no_repeat_ngram)`` as ints."""
    max_len_a = check_finite("max_len_a", max_len_a, "expected a finite number >= 0", 0.0)
    max_len_b = check_count("max_len_b", max_len_b, 0)
    if not max_len_a and not max_len_b:
        raise SettingError("max_len_a", max_len_a, "with max_len_b 0 too, the output limit (a × source tokens + b) "
                           "would be 0 tokens; one of the two must be > 0")  # the CLI names --max-len-a
    no_repeat_ngram = check_count("no_repeat_ngram", no_repeat_ngram, 0)
    check_finite("alpha", alpha, "expected a finite number")
    return max_len_b, no_repeat_ngram


def _max_lengths(src_len: torch.Tensor, a: float, b: int, cap: int | torch.Tensor) -> torch.Tensor:
    """``a * src_len + b`` tokens for each source, from 1 to ``cap`` (one for all, or one per source; clamped
    in float64 before the cast, so a limit of 1e18 is ``cap``, not an overflow to a negative length)."""
    limit = (a * src_len.double() + b).floor().clamp(min=1)
    return limit.minimum(torch.as_tensor(cap, dtype=torch.float64)).long()


def sacre_scores(hyps: Sequence[str], refs: Sequence[str], *more_refs: Sequence[str]) -> dict[str, float | None]:
    """Corpus BLEU and chrF (sacrebleu) against one reference per hypothesis, or several (``more_refs``:
    further reference streams); None for both when sacrebleu is not installed."""
    try:
        import sacrebleu
    except ImportError:
        return {"bleu": None, "chrf": None}
    streams = [list(refs), *(list(r) for r in more_refs)]
    return {"bleu": float(sacrebleu.corpus_bleu(list(hyps), streams).score),
            "chrf": float(sacrebleu.corpus_chrf(list(hyps), streams).score)}
