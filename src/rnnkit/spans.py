"""Span-level scores of BIO / IOBES / BILUO tags, as CoNLL's ``conlleval`` scorer counts them.

What a user gets: :func:`is_span_tagset` tells whether tags are chunk tags (``O`` and ``B-``/``I-``/
``E-``/``S-`` + type; or spaCy's BILUO, whose ``L-`` is read as ``E-`` and ``U-`` as ``S-``, as seqeval's BILOU
scheme reads them); :func:`spans` lists the (start, end, type) spans of one sentence's tags with
conlleval's rules (an ``I-X`` after ``O`` or after another type opens a span, as does a change of
type); :func:`span_scores` gives precision, recall and F1 over many sentences, a predicted span being
correct only when its type, start and end all match a true span; :func:`span_openings` where spans open with
``I-`` (IOB1) and where with ``B-`` (IOB2), for a warning of the two mixed; :func:`label_openings` how a tagger
trained on given tags opens its spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["is_span_tagset", "label_openings", "span_openings", "span_scores", "spans"]

_CHUNK = re.compile(r"^[BIESLU]-.+$")

#: BILUO's prefixes (spaCy's) as IOBES writes them
_BILUO = {"L": "E", "U": "S"}


def is_span_tagset(tags: Sequence[str]) -> bool:
    """True when every tag is ``O`` or ``B-/I-/E-/S-TYPE`` (or ``L-/U-TYPE``) and at least one is not ``O``: IOBES or
    BILUO tags whose spans are all one token long (``S-PER``, ``U-LOC``: names of one word) are spans too."""
    return all(t == "O" or _CHUNK.match(t) for t in tags) and any(t != "O" for t in tags)


def _split(tag: str) -> tuple[str, str]:
    prefix, _, kind = tag.partition("-")
    return _BILUO.get(prefix, prefix), kind


def _ends(prev: str, prev_type: str, tag: str, kind: str) -> bool:
    """conlleval's endOfChunk: does the span that ``prev`` is in end before ``tag``?"""
    if prev in ("E", "S") or (prev in ("B", "I") and tag in ("B", "S", "O")):
        return True
    return prev != "O" and prev_type != kind


def _starts(prev: str, prev_type: str, tag: str, kind: str) -> bool:
    """conlleval's startOfChunk: does a span start at ``tag``?"""
    if tag in ("B", "S") or (prev in ("E", "S", "O") and tag in ("E", "I")):
        return True
    return tag != "O" and prev_type != kind


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The spans ``(start, end inclusive, type)`` of one sentence's tags."""
    found = set()
    prev, prev_type, start = "O", "", -1
    for i, tag in enumerate([*tags, "O"]):
        cur, kind = _split(tag)
        if start >= 0 and _ends(prev, prev_type, cur, kind):
            found.add((start, i - 1, prev_type))
            start = -1
        if _starts(prev, prev_type, cur, kind):
            start = i
        prev, prev_type = cur, kind
    return found


def span_scores(true: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float | int]:
    """``span_precision``, ``span_recall``, ``span_f1`` (0 when undefined) and the counts
    ``true_spans``, ``pred_spans``, ``correct_spans`` over sentences of true and predicted tags."""
    n_true = n_pred = correct = 0
    for t, p in zip(true, pred, strict=True):
        gold, guess = spans(t), spans(p)
        n_true, n_pred, correct = n_true + len(gold), n_pred + len(guess), correct + len(gold & guess)
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"span_precision": precision, "span_recall": recall, "span_f1": f1, "true_spans": n_true,
            "pred_spans": n_pred, "correct_spans": correct}


def span_openings(tags: Sequence[str]) -> dict[str, int]:
    """In one sentence's tags, the offset of the first span opened by ``I-`` (key ``"I"``: after ``O``, another type
    or at the start, as IOB1 opens every span, CoNLL-2003's original files among them) and of the first opened by a
    ``B-`` that follows no tag of its type (key ``"B"``: IOB2; IOB1 writes ``B-`` only between two spans of one
    type); a key is missing where no span opens so."""
    found: dict[str, int] = {}
    prev_type = ""
    for i, tag in enumerate(tags):
        prefix, kind = _split(tag)
        if prefix in ("B", "I") and kind != prev_type:
            found.setdefault(prefix, i)
        prev_type = "" if prefix == "O" else kind
    return found


def label_openings(labels: Sequence[str]) -> set[str]:
    """How a tagger whose tags are ``labels`` (those it was trained on) opens its spans, as :func:`span_openings`
    keys it: ``{"I"}`` where a type has an ``I-`` tag and no ``B-`` tag (IOB1, CoNLL-2003's original files without
    ``B-PER``), else ``{"B"}`` where there is a ``B-`` tag (IOB2, IOBES, BILUO); an empty set for tags that are not
    chunk tags. Its guesses are no such witness: a half-trained IOB2 tagger may open its few spans with ``I-``."""
    if not is_span_tagset(labels):
        return set()
    kinds = {prefix: {kind for p, kind in map(_split, labels) if p == prefix} for prefix in ("B", "I")}
    return {"I"} if kinds["I"] - kinds["B"] else {"B"} if kinds["B"] else set()
