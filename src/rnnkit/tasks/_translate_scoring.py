"""Scoring given translations (``rnnkit score DIR --data PAIRS``, ``Translator.score``): the model's log-probability
of each target after its source, read with teacher forcing (OpenNMT-py's ``-tgt`` gold scores, fairseq-generate's
``--score-reference``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.data.batching import length_sorted_batches
from rnnkit.data.pairs import Pair
from rnnkit.data.tokenize import UNK_ID, Tokenizer, pad_batch, unknown_tokens, warn_unknown
from rnnkit.device import model_device, to_device
from rnnkit.tasks._translate_data import decoder_targets


@torch.no_grad()
def score_pairs(model: nn.Module, sources: Sequence[list[int]], target: Tokenizer,
                pairs: Sequence[Pair], max_len: int = 100) -> list[dict[str, Any]]:
    """For each pair (its source already encoded in ``sources``): ``log_prob``, the model's natural log-probability
    of the target's tokens and the end after the source; ``tokens``, how many that is (the end counted);
    ``perplexity``, exp(-log_prob / tokens). Target tokens unknown to the model are scored as ``<unk>`` and named
    in one warning, as unknown source tokens are.

    Up to 64 targets of similar lengths are read at a time, at most 64 × ``max_len`` (the training ``--max-len``)
    tokens once padded (a longer target alone), as translation batches its sources: the logits of a batch are
    (targets, tokens, vocabulary), and 64 long targets of a noisy corpus (what scoring filters) were one batch of
    gigabytes."""
    targets = [target.encode(t) for _, t in pairs]
    unknown = [tok for (_, text), ids in zip(pairs, targets, strict=True) if UNK_ID in ids
               for tok in unknown_tokens(target, text, ids)]
    if unknown:
        warn_unknown("target token", list(dict.fromkeys(unknown)), "the model", "scored as <unk>")
    log_probs = [0.0] * len(pairs)
    device = model_device(model)
    for batch in length_sorted_batches(targets, 64, 64 * max(max_len, 1)):  # targets of similar lengths
        src, src_len = to_device(pad_batch([sources[i] for i in batch]), device)
        t = to_device(decoder_targets([targets[i] for i in batch], model.bos_id, model.eos_id), device)
        logp = F.log_softmax(model(src, src_len, t["tgt_in"]).float(), dim=-1)  # no float64 copy of every logit
        picked = logp.gather(2, t["tgt_out"].unsqueeze(2)).squeeze(2).double().masked_fill(t["tgt_out"] == 0, 0.0)
        for i, value in zip(batch, picked.sum(1).tolist(), strict=True):
            log_probs[i] = value
    return [{"source": s, "target": t, "log_prob": lp, "tokens": len(ids) + 1,
             "perplexity": _perplexity(lp, len(ids) + 1)}
            for (s, t), lp, ids in zip(pairs, log_probs, targets, strict=True)]


def _perplexity(log_prob: float, tokens: int) -> float:
    """exp(-log_prob / tokens); infinity where that passes the float range."""
    try:
        return math.exp(-log_prob / tokens)
    except OverflowError:
        return math.inf


def corpus_summary(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The pairs' total: ``pairs``, ``tokens``, ``log_prob`` and ``perplexity`` per token (OpenNMT-py's GOLD PPL)."""
    tokens = sum(r["tokens"] for r in results)
    log_prob = sum(r["log_prob"] for r in results)
    return {"pairs": len(results), "tokens": tokens, "log_prob": log_prob, "perplexity": _perplexity(log_prob, tokens)}
