"""Gaps a mutation audit of :mod:`rnnkit.models.ctc` and :mod:`rnnkit.models.ctc_lm` found (round 8): each test fails
on one changed line."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from rnnkit.models.ctc import prefix_beam_search
from rnnkit.models.ctc_lm import LanguageModelScorer
from rnnkit.models.language_model import LanguageModel


def _brute_force(lp: torch.Tensor) -> dict[tuple[int, ...], float]:
    """Each labelling's probability, summed over every alignment of the (T, classes) log-probabilities."""
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        labelling = tuple(c - 1 for c, _ in itertools.groupby(path) if c != 0)
        totals[labelling] = totals.get(labelling, 0.0) + math.exp(sum(float(lp[t, c]) for t, c in enumerate(path)))
    return totals


def test_a_hypothesis_of_probability_0_adds_nothing_to_a_likely_one() -> None:
    """Frame 1 is certainly a blank, so a hypothesis "a" not ending in one has probability 0 (log-probability
    -inf) there; a wide beam keeps it, and its extensions are summed into those of the likely "a_" after them.
    Summing a -inf into a finite log-probability as -inf lost "a" (probability 0.5: a__ and __a), for "" or
    "aa" (0.25 each)."""
    probs = torch.tensor([[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]])
    lp = probs.log()
    totals = _brute_force(lp)
    assert totals[(0,)] == pytest.approx(0.5)
    found = prefix_beam_search(lp, beam=300)
    assert found.symbols == [0]
    assert found.log_prob == pytest.approx(math.log(0.5), abs=1e-6)


def test_alignments_far_apart_in_log_probability_sum_without_overflow() -> None:
    """A blank of log-probability -1000 each frame (a finite log_softmax can give that): "a" ends in a blank with
    log-probability about -1000 and without one with 0, summed as 0 (exp of the difference from the larger
    never overflows; from the smaller it raised OverflowError)."""
    lp = torch.tensor([[-1000.0, 0.0]] * 3)
    found = prefix_beam_search(lp, beam=2)
    assert found.symbols == [0] and found.frames == [0]
    assert found.log_prob == pytest.approx(0.0, abs=1e-6)


def _counting_scorer(dropout: float = 0.0, train: bool = False) -> tuple[LanguageModelScorer, list[int], LanguageModel]:
    """A scorer over a small model, and the list of the tokens its model has read (one per recurrent step)."""
    torch.manual_seed(0)
    model = LanguageModel(7, hidden_size=8, num_layers=2, embed_dim=4, dropout=dropout).train(train)
    read: list[int] = []
    step = model.own_step

    def counted(ids: torch.Tensor, state: object = None, t: int = 0) -> tuple[torch.Tensor, object]:
        read.append(int(ids[0]))
        return step(ids, state, t)

    model.own_step = counted  # type: ignore[method-assign]
    return LanguageModelScorer(model, [0, 3, 4, 5, 2], start=1, end=1), read, model


def test_each_prefix_costs_one_recurrent_step_however_often_it_is_asked() -> None:
    """The scorer reads a prefix's last symbol once (the start, then one token per new prefix), as its docstring
    promises: asking for a prefix again, or for its end, reads nothing more."""
    scorer, read, _ = _counting_scorer()
    assert read == [1]  # the start
    first = scorer.log_probs((2, 1))
    assert read == [1, 4, 3]
    assert (scorer.log_probs((2, 1)) == first).all()
    scorer.end((2, 1))
    scorer.log_probs((2,))
    scorer.retain([(2, 1), (2,)])
    assert read == [1, 4, 3]


def test_retain_forgets_the_prefixes_not_kept_but_never_the_start() -> None:
    """After ``retain``, a prefix left out is read again when asked (its state was dropped, as the search
    wants of a long utterance), while the start's state stays however the beam moved on."""
    scorer, read, _ = _counting_scorer()
    scorer.log_probs((2, 1))
    scorer.log_probs((3,))
    scorer.retain([(2, 1)])
    before = len(read)
    scorer.log_probs((3,))
    assert len(read) == before + 1  # (3,) was forgotten: one step from the start's state again
    scorer.retain([(2, 1, 4)])
    empty = scorer.log_probs(())  # the start, kept though no hypothesis is empty
    assert empty.shape == (5,)


def test_the_scorer_reads_a_model_left_in_training_mode_without_dropout() -> None:
    """A model handed over in training mode is put in evaluation mode: the same prefix gives the same
    log-probabilities in two scorers (dropout drew new masks for each)."""
    a, _, model = _counting_scorer(dropout=0.5, train=True)
    model.train()
    b = LanguageModelScorer(model, [0, 3, 4, 5, 2], start=1, end=1)
    assert not model.training
    assert a.log_probs((2, 1)) == pytest.approx(b.log_probs((2, 1)))


def test_a_symbol_starts_at_the_frame_of_its_likelier_alignment() -> None:
    """"a" over two frames: "aa" (0.81, "a" from frame 0) and "_a" (0.09, from frame 1) sum into one hypothesis,
    which keeps the frames of the likelier, 0; then over [[0.6, 0.4], [0.3, 0.7]]: "_a" (0.42, frame 1) beats
    "aa" (0.28) and "a_" (0.12, frame 0), so "a" starts at frame 1."""
    found = prefix_beam_search(torch.tensor([[0.1, 0.9], [0.1, 0.9]]).log(), beam=2)
    assert found.symbols == [0] and found.frames == [0]
    found = prefix_beam_search(torch.tensor([[0.6, 0.4], [0.3, 0.7]]).log(), beam=3)
    assert found.symbols == [0] and found.frames == [1]
    assert found.log_prob == pytest.approx(math.log(0.82))


class _Flat:
    """A language model giving "a" (class 1) after the empty prefix log-probability -10, and an end after the
    empty prefix -20 (anything else 0)."""

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        return np.array([0.0, -10.0 if not prefix else 0.0])

    def end(self, prefix: tuple[int, ...]) -> float:
        return -20.0 if not prefix else 0.0

    def retain(self, prefixes: object) -> None:
        pass


def test_with_a_language_model_the_frames_are_still_the_likelier_alignments() -> None:
    """With the language model's -10 for "a" the hypothesis "a" ranks below the empty one after frame 0, so its
    extension at frame 1 ("_a", 0.09) is summed in before the repeat ("aa", 0.81, more likely): "a" starts at
    frame 0 all the same (the end's -20 after the empty prefix rules that out)."""
    found = prefix_beam_search(torch.tensor([[0.1, 0.9], [0.1, 0.9]]).log(), beam=2, lm=_Flat(), lm_weight=1.0)
    assert found.symbols == [0] and found.frames == [0]
    assert found.log_prob == pytest.approx(math.log(0.9) - 10.0)


def test_only_the_beam_most_likely_classes_of_a_frame_extend_a_hypothesis() -> None:
    """A beam of 2 over 3 classes reads each frame's two most likely classes only, as if the third were
    impossible (a class that cannot occur changes no sum); reading all three found "ab" here, not "aa"."""
    probs = torch.tensor([[0.02, 0.91, 0.07], [0.52, 0.14, 0.34], [0.35, 0.38, 0.27]])
    pruned = probs.clone()
    pruned[torch.arange(3), probs.argmin(-1)] = 0.0
    found = prefix_beam_search(probs.log(), beam=2)
    assert found == prefix_beam_search(pruned.log(), beam=2)
    assert found.symbols == [0, 0]


def test_a_beam_below_1_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="^beam 0: expected a positive integer$"):
        prefix_beam_search(torch.zeros(2, 3), beam=0)


class _Recorder:
    """A language model with no opinion (every log-probability 0) that records what the search keeps."""

    def __init__(self) -> None:
        self.kept: list[set[tuple[int, ...]]] = []

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        return np.zeros(3)

    def end(self, prefix: tuple[int, ...]) -> float:
        return 0.0

    def retain(self, prefixes: object) -> None:
        self.kept.append(set(prefixes))  # type: ignore[call-overload]


def test_a_beam_of_two_keeps_the_two_most_likely_hypotheses() -> None:
    """Over random frames of 3 classes a beam of 2 keeps at most two prefixes after each frame, and they are the
    likely ones: it finds the labelling a brute force over every alignment finds (a beam keeping the least likely
    or one more hypothesis than asked failed one or the other)."""
    g = torch.Generator().manual_seed(3)
    checked = 0
    for _ in range(30):
        lp = torch.log_softmax(2 * torch.randn(4, 3, generator=g), -1)
        totals = _brute_force(lp)
        best = max(totals, key=totals.__getitem__)
        lm = _Recorder()
        found = prefix_beam_search(lp, beam=2, lm=lm, lm_weight=0.0)
        assert len(lm.kept) == 4 and all(len(k) <= 2 for k in lm.kept)
        assert found == prefix_beam_search(lp, beam=2)  # an LM of weight 0 changes nothing
        if math.log(totals[best]) - found.log_prob < 0.05:  # the beam found all of the best labelling's alignments
            assert tuple(found.symbols) == best
            checked += 1
    assert checked >= 3
