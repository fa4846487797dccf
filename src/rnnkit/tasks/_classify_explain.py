"""Which words of a text a classifier's decision rests on (``rnnkit predict DIR TEXT --explain``,
``TextClassifier.explain``): each word's effect is how much the label's log-odds, ln(p / (1 - p)), fall when that
word is left out of the text (occlusion, or erasure: Li, Monroe & Jurafsky 2016, "Understanding Neural Networks
through Representation Erasure"; Zeiler & Fergus 2014 for images). It needs nothing from the model but its output,
so it explains any tokenizer, pooling or recurrent cell alike. Log-odds, not probabilities: a confident model's
probability stays 1.000 without any one word, where its log-odds still say which words carried it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import UserError, check_count

#: what a word is: a run of characters other than whitespace (punctuation stays with its word)
WORD = re.compile(r"\S+")
#: texts read at once while occluding (a long text's variants are many)
CHUNK = 256


def without(text: str, start: int, end: int) -> str:
    """``text`` with ``text[start:end]`` left out, and the whitespace after it (the last word: before it), so the
    rest of the text is as it was: a tab or newline beside the word is not made a space, which a character
    model reads as another character (its change was counted in the word's effect)."""
    after = text[end:].lstrip()
    return text[:start] + after if after else text[:start].rstrip()


def explain_text(log_odds: Callable[[Sequence[str]], Tensor], labels: Sequence[str], text: str, top: int,
                 label: str | None) -> dict[str, Any]:
    """One text's explanation from ``log_odds`` ((N, K) of N texts): the ``label`` (default: the most probable),
    its probability, and the ``top`` words that speak for it most, each with its ``start`` and ``end`` in the text
    and its ``effect`` (the log-odds with the text whole, minus without it: positive words speak for the label,
    negative ones against it; +0.69 is twice the odds), the largest first (words against the label come last,
    where ``top`` reaches them). A text's only word is not left out (an empty text has no prediction)."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    spans = spans if len(spans) > 1 else []
    variants = [text, *(without(text, s, e) for s, e in spans)]
    odds = torch.cat([log_odds(variants[i:i + CHUNK]) for i in range(0, len(variants), CHUNK)])
    k = int(odds[0].argmax()) if label is None else list(labels).index(label)
    effects = (odds[0, k] - odds[1:, k]).tolist()
    ranked = sorted(range(len(spans)), key=lambda i: (-effects[i], spans[i][0]))[:top]
    return {"text": text, "label": labels[k], "probability": float(torch.sigmoid(odds[0, k])),
            "words": [{"word": text[spans[i][0]:spans[i][1]], "start": spans[i][0], "end": spans[i][1],
                       "effect": effects[i]} for i in ranked]}


def check_explain(labels: Sequence[str], top: object, label: object) -> tuple[int, str | None]:
    """``top`` as an int of 1 or more and ``label`` one of ``labels`` (or None), else refused in one line."""
    top = check_count("top", top, 1)
    if label is not None and label not in labels:
        raise UserError(f"label {label!r}: not one of the model's labels ({', '.join(map(str, labels))})")
    return top, label  # type: ignore[return-value]


def explanation_line(r: dict[str, Any]) -> str:
    """``rnnkit predict --explain``'s line under a text's prediction: its words, the most for the label first, with
    their effect on the label's log-odds (``  why LABEL (log-odds): WORD +EFFECT, WORD -EFFECT``, two decimals)."""
    words = ", ".join(f"{w['word']} {w['effect']:+.2f}" for w in r["words"]) or "(one word: nothing to leave out)"
    return f"  why {r['label']} (log-odds): {words}"
