"""Which words of a text a classifier's decision rests on (``rnnkit predict DIR TEXT --explain``,
``TextClassifier.explain``): each word's effect is how much the label's log-odds, ln(p / (1 - p)), fall when that
word is left out of the text (occlusion, or erasure: Li, Monroe & Jurafsky 2016, "Understanding Neural Networks
through Representation Erasure"; Zeiler & Fergus 2014 for images). It needs nothing from the model but its output,
so it explains any tokenizer, pooling or recurrent cell alike. Log-odds, not probabilities: a confident model's
probability stays 1.000 without any one word, where its log-odds still say which words carried it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
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
    spans = _spans(text)
    odds = _read(log_odds, _variants(text, spans))
    k = int(odds[0].argmax()) if label is None else list(labels).index(label)
    return {"text": text, "label": labels[k], "probability": float(torch.sigmoid(odds[0, k])),
            "words": _ranked(text, spans, odds, k, top)}


def explain_rows(log_odds: Callable[[Sequence[str]], Tensor], labels: Sequence[str], texts: Sequence[str], top: int,
                 chosen: Sequence[Sequence[str]]) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Each text's words for each of its ``chosen`` labels (``{label: words}``, the words as
    :func:`explain_text` gives them), in the order of ``texts``: the variants of several texts are read together,
    ``CHUNK`` at a time, and no more texts are held than fill one chunk (a file's rows: ``rnnkit predict --file
    --explain``)."""
    index = {lab: k for k, lab in enumerate(labels)}
    pending: list[tuple[str, list[tuple[int, int]], list[str], Sequence[str]]] = []

    def answers() -> Iterator[dict[str, list[dict[str, Any]]]]:
        odds = _read(log_odds, [v for _, _, variants, _ in pending for v in variants])
        at = 0
        for text, spans, variants, mine in pending:
            rows = odds[at:at + len(variants)]
            at += len(variants)
            yield {lab: _ranked(text, spans, rows, index[lab], top) for lab in mine}

    held = 0
    for text, mine in zip(texts, chosen, strict=True):
        spans = _spans(text)
        variants = _variants(text, spans)
        if pending and held + len(variants) > CHUNK:
            yield from answers()
            pending, held = [], 0
        pending.append((text, spans, variants, mine))
        held += len(variants)
    if pending:
        yield from answers()


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the words of ``text`` are; none for a text of one word (its only word is not left out)."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    return spans if len(spans) > 1 else []


def _variants(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """``text`` whole, then without each of its words."""
    return [text, *(without(text, s, e) for s, e in spans)]


def _read(log_odds: Callable[[Sequence[str]], Tensor], variants: Sequence[str]) -> Tensor:
    """``log_odds`` of ``variants``, read ``CHUNK`` at a time (a long text's variants are many)."""
    return torch.cat([log_odds(variants[i:i + CHUNK]) for i in range(0, len(variants), CHUNK)])


def _ranked(text: str, spans: Sequence[tuple[int, int]], odds: Tensor, k: int, top: int) -> list[dict[str, Any]]:
    """The ``top`` words of label ``k`` from the ``odds`` of the text whole and without each word (see
    :func:`explain_text`), the largest effect first (a tie: the earlier word)."""
    effects = (odds[0, k] - odds[1:, k]).tolist()
    ranked = sorted(range(len(spans)), key=lambda i: (-effects[i], spans[i][0]))[:top]
    return [{"word": text[spans[i][0]:spans[i][1]], "start": spans[i][0], "end": spans[i][1], "effect": effects[i]}
            for i in ranked]


def row_explanation(by_label: dict[str, list[dict[str, Any]]], multi_label: bool, digits: int | None = 6) -> Any:
    """What a file's row holds in its ``explanation`` column: the ``[word, effect]`` pairs of its label (effects
    rounded to ``digits``, as the probabilities; None: not rounded, for :func:`explanation_cell`, whose two decimals
    of a rounded effect could differ from the screen's: 0.0049996 is 0.005 to 6 digits, +0.01 to two), the
    strongest first; a multi-label model's ``{label: pairs}``, one entry for each label it predicts, in their order
    (none predicted: ``{}``)."""
    pairs = {lab: [[w["word"], w["effect"] if digits is None else round(w["effect"], digits)] for w in words]
             for lab, words in by_label.items()}
    return pairs if multi_label else next(iter(pairs.values()))


def explanation_cell(value: Any) -> str:
    """A row's ``explanation`` (:func:`row_explanation`) as a CSV/TSV cell writes it: ``WORD +EFFECT; WORD
    -EFFECT`` (two decimals); a multi-label model's ``LABEL: WORD +EFFECT; ... | LABEL: ...``. A word holds no
    whitespace, so the cell splits at its spaces into words and effects (each but the last followed by ``;``)."""
    if isinstance(value, dict):
        return " | ".join(f"{lab}:" + (f" {explanation_cell(pairs)}" if pairs else "") for lab, pairs in value.items())
    return "; ".join(f"{word} {effect:+z.2f}" for word, effect in value)


def check_explain(labels: Sequence[str], top: object, label: object) -> tuple[int, str | None]:
    """``top`` as an int of 1 or more and ``label`` one of ``labels`` (or None), else refused in one line."""
    top = check_count("top", top, 1)
    if label is not None and label not in labels:
        raise UserError(f"label {label!r}: not one of the model's labels ({', '.join(map(str, labels))})")
    return top, label  # type: ignore[return-value]


def explanation_line(r: dict[str, Any]) -> str:
    """``rnnkit predict --explain``'s line under a text's prediction: its words, the most for the label first, with
    their effect on the label's log-odds (``  why LABEL (log-odds): WORD +EFFECT, WORD -EFFECT``, two decimals)."""
    words = ", ".join(f"{w['word']} {w['effect']:+z.2f}" for w in r["words"]) or "(one word: nothing to leave out)"
    return f"  why {r['label']} (log-odds): {words}"
