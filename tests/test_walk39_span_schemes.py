"""Span scores of every tag scheme a NER user brings (IOB1, IOB2, IOBES, spaCy's BILUO) against a scorer written
here from conlleval's published rules (endOfChunk / startOfChunk and its count of correct chunks, a sentence
boundary read as an ``O``; with the E/S rules of its IOBES ports), not from rnnkit's own code.

A BILUO tag set (``L-``/``U-``) was not a span tag set at all: ``evaluate`` printed no span line and no span keys,
unsaid, and ``--keep-by span_f1`` was refused.
"""

from __future__ import annotations

import random

import pytest

from rnnkit.spans import is_span_tagset, span_scores

BILUO = {"L": "E", "U": "S"}  # seqeval's BILOU scheme: Last is End, Unit is Single


def _parts(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, _, kind = tag.partition("-")
    return BILUO.get(prefix, prefix), kind


def _end_of_chunk(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    return (prev in ("E", "S") or (prev in ("B", "I") and tag in ("B", "S", "O"))
            or (prev not in ("O", ".") and prev_type != kind))


def _start_of_chunk(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    return (tag in ("B", "S") or (prev in ("E", "S", "O") and tag in ("E", "I"))
            or (tag not in ("O", ".") and prev_type != kind))


def conlleval_counts(true: list[list[str]], pred: list[list[str]]) -> tuple[int, int, int]:
    """(correct chunks, true chunks, guessed chunks) as conlleval's main loop counts them."""
    correct = found_true = found_guessed = 0
    in_correct = False
    last_c = last_g = "O"
    last_ct = last_gt = ""
    stream = [pair for t, p in zip(true, pred, strict=True) for pair in [*zip(t, p, strict=True), ("O", "O")]]
    for c_tag, g_tag in stream:
        c, ct = _parts(c_tag)
        g, gt = _parts(g_tag)
        end_c, end_g = _end_of_chunk(last_c, c, last_ct, ct), _end_of_chunk(last_g, g, last_gt, gt)
        start_c, start_g = _start_of_chunk(last_c, c, last_ct, ct), _start_of_chunk(last_g, g, last_gt, gt)
        if in_correct:
            if end_c and end_g and last_gt == last_ct:
                in_correct, correct = False, correct + 1
            elif end_c != end_g or gt != ct:
                in_correct = False
        if start_c and start_g and gt == ct:
            in_correct = True
        found_true += start_c
        found_guessed += start_g
        last_c, last_g, last_ct, last_gt = c, g, ct, gt
    return correct + in_correct, found_true, found_guessed


@pytest.mark.parametrize("prefixes", ["BI", "BIES", "BILU"])
def test_span_counts_are_conllevals(prefixes: str) -> None:
    tags = ["O"] + [f"{p}-{kind}" for p in prefixes for kind in ("PER", "LOC")]
    rng = random.Random(7)
    for _ in range(3000):
        lengths = [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]
        true = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        pred = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        got = span_scores(true, pred)
        counts = (got["correct_spans"], got["true_spans"], got["pred_spans"])
        assert counts == conlleval_counts(true, pred), (true, pred)


def test_biluo_is_a_span_tag_set_scored_as_its_iobes_twin() -> None:
    biluo = [["U-PER", "O", "B-LOC", "I-LOC", "L-LOC"], ["B-ORG", "L-ORG", "U-ORG"]]
    guess = [["U-PER", "O", "B-LOC", "L-LOC", "O"], ["B-ORG", "L-ORG", "U-LOC"]]
    iobes = [[t.replace("L-", "E-").replace("U-", "S-") for t in s] for s in biluo]
    iobes_guess = [[t.replace("L-", "E-").replace("U-", "S-") for t in s] for s in guess]
    assert is_span_tagset(sorted({t for s in biluo for t in s}))
    got = span_scores(biluo, guess)
    assert got == span_scores(iobes, iobes_guess)
    assert (got["correct_spans"], got["true_spans"], got["pred_spans"]) == (2, 4, 4)


def test_iob1_and_iob2_spans_are_the_same_spans() -> None:
    """CoNLL-2003's original IOB1 (B- only right after a span of the same type) and its IOB2 conversion name the
    same entities, so conlleval scores one against the other perfectly."""
    iob1 = [["I-PER", "B-PER", "I-PER", "O", "I-LOC", "I-LOC"]]
    iob2 = [["B-PER", "B-PER", "I-PER", "O", "B-LOC", "I-LOC"]]
    assert span_scores(iob1, iob2)["span_f1"] == 1.0
    assert span_scores(iob1, iob2)["true_spans"] == 3
