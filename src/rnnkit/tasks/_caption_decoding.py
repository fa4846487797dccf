"""Decoding and scoring shared by the captioner and its training: greedy or beam decoding of images in batches,
and exact match and multi-reference BLEU against the reference captions.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rnnkit.data.tokenize import UNK_ID
from rnnkit.device import model_device
from rnnkit.models.captioner import Captioner
from rnnkit.models.seq2seq import Hypothesis
from rnnkit.sampling import Sampling
from rnnkit.tasks._caption_data import _caption_text
from rnnkit.tasks._ensemble import first_model
from rnnkit.tasks._translate_decoding import sacre_scores, sources_per_batch


def _decode_images(model: Captioner, images: torch.Tensor, max_len: int, beam: int = 1, n_best: int = 1,
                   return_attention: bool = False, sampling: Sampling | None = None) -> list[list[Hypothesis]]:
    """Each image's hypotheses: the most likely caption (``beam`` 1), a beam's ``n_best``, or ``n_best`` drawn with
    ``sampling`` (never ``<unk>``, a word too rare to have its own id, as the translator's samples never draw it)."""
    out: list[list[Hypothesis]] = []
    pick = sampling.chooser((UNK_ID,)) if sampling is not None else None  # one generator for all the batches
    per_batch = sources_per_batch(n_best if sampling is not None else beam)
    for start in range(0, len(images), per_batch):
        part = images[start:start + per_batch].to(model_device(model))
        part = part.float() / 255.0 if part.dtype == torch.uint8 else part
        counts = first_model(model).region_counts(len(part))  # type: ignore[operator]
        limit = torch.full((len(part),), max_len, dtype=torch.long)
        if pick is not None:
            out.extend(model.samples(part, counts, limit, n_best, pick, return_attention=return_attention))
        elif beam == 1:
            out.extend([h] for h in model.greedy(part, counts, limit, return_attention=return_attention))
        else:
            out.extend(model.beam_search(part, counts, limit, beam, n_best, return_attention=return_attention))
    return out


def caption_scores(hyps: Sequence[str], references: Sequence[Sequence[str]],
                   chrf: bool = False) -> dict[str, float | None]:
    """``exact_match`` (the caption equals one of its references, compared word by word in lower case) and
    multi-reference corpus ``bleu`` (sacrebleu), and with ``chrf`` its ``chrf`` too (``rnnkit evaluate``'s: BLEU
    counts words, and a language written without spaces between them, or a short caption, scores 0 on it), the
    captions read as their references are (lower case, punctuation split off); no captions: an exact match of 0
    and no BLEU (nor chrF)."""
    refs = [[_caption_text(r) for r in rs] for rs in references]
    said = [_caption_text(h) for h in hyps]
    exact = sum(h in rs for h, rs in zip(said, refs, strict=True)) / max(len(said), 1)
    scores: dict[str, float | None] = {"exact_match": exact, "bleu": None, **({"chrf": None} if chrf else {})}
    if not said:
        return scores
    width = max(len(rs) for rs in refs)
    streams = [[rs[k] if k < len(rs) else rs[0] for rs in refs] for k in range(width)]  # repeats change neither
    sacre = sacre_scores(said, *streams)
    return {**scores, "bleu": sacre["bleu"], **({"chrf": sacre["chrf"]} if chrf else {})}
