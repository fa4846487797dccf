"""Gaps a mutation audit of :mod:`rnnkit.data.batching` found (round 9): each test fails on one changed line."""

from __future__ import annotations

import json

import pytest
import torch

from rnnkit.data import batching
from rnnkit.data.batching import (
    IGNORE,
    FeatureBatches,
    ShuffledBatches,
    UnlabelledBatches,
    length_sorted_batches,
    pad_features,
    pad_tags,
)
from rnnkit.errors import UserError


def test_padding_tags_is_what_cross_entropy_ignores() -> None:
    assert IGNORE == torch.nn.CrossEntropyLoss().ignore_index
    assert pad_tags([[1, 2], [3]]).tolist() == [[1, 2], [3, IGNORE]]
    assert pad_tags([[1, 2, 3], [4]], 2).tolist() == [[1, 2], [4, IGNORE]]  # cut to the width given
    assert pad_tags([[1], [2]], 3).tolist() == [[1, IGNORE, IGNORE], [2, IGNORE, IGNORE]]


def test_length_sorted_batches_are_shortest_first_cut_by_size() -> None:
    seqs = ["abc", "a", "abcde", "ab", "abcd"]
    assert length_sorted_batches(seqs, 2) == [[1, 3], [0, 4], [2]]
    assert length_sorted_batches(seqs, 5) == [[1, 3, 0, 4, 2]]


def test_length_sorted_batches_stay_within_the_padded_size() -> None:
    # lengths 3, 1, 2, 2, 5; by length: 1 (1), 2 (2), 3 (2), 0 (3), 4 (5)
    seqs = ["abc", "a", "ab", "cd", "abcde"]
    # [1, 2] pads to 2 x 2 = 4; [3] then [0]: 2 x 3 = 6 > 4; 4 alone (5 > 4 on its own)
    assert length_sorted_batches(seqs, 2, 4) == [[1, 2], [3], [0], [4]]
    assert length_sorted_batches(seqs, 3, 6) == [[1, 2, 3], [0], [4]]  # 3 x 2 = 6 fits exactly
    # a generous limit: only the batch size cuts
    assert length_sorted_batches(["a"] * 5, 2, 100) == [[0, 1], [2, 3], [4]]


def _indices(batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> list[int]:
    return batch[2].tolist()  # the targets are the examples' indices


def test_no_examples_are_refused() -> None:
    with pytest.raises(UserError, match="no training examples"):
        ShuffledBatches([], [], 2, 0)
    with pytest.raises(UserError, match="no texts to draw batches from"):
        UnlabelledBatches([], 2, 0)


def test_an_epoch_gives_every_example_once_then_the_next_begins() -> None:
    n = 7
    batches = ShuffledBatches([[5] * (i + 1) for i in range(n)], list(range(n)), 2, seed=3)
    seen = [i for _ in range(4) for i in _indices(batches.next_batch())]
    assert sorted(seen) == list(range(n))
    assert batches.state_dict()["epoch"] == 0
    again = [i for _ in range(4) for i in _indices(batches.next_batch())]
    assert sorted(again) == list(range(n))
    assert batches.state_dict()["epoch"] == 1


def test_a_batch_holds_neighbours_in_length_and_the_batches_come_shuffled() -> None:
    n = 20  # one chunk: the examples sorted by length, cut in pairs; the pairs then shuffled
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0)).tolist()
    seqs = [[5] * (order[i] + 1) for i in range(n)]  # example i has length order[i] + 1
    batches = ShuffledBatches(seqs, list(range(n)), 2, seed=1)
    pairs = [sorted(len(seqs[i]) for i in _indices(batches.next_batch())) for _ in range(n // 2)]
    assert all(b - a == 1 and a % 2 == 1 for a, b in pairs), pairs
    assert sorted(pairs) == [[2 * k + 1, 2 * k + 2] for k in range(n // 2)]
    assert pairs != sorted(pairs)  # not shortest first


def test_examples_are_sorted_within_chunks_of_fifty_batches_not_across_the_epoch() -> None:
    n = 400  # four chunks of 100 examples: a pair of neighbours in length across all 400 is rare
    batches = ShuffledBatches([[5] * (i + 1) for i in range(n)], list(range(n)), 2, seed=0)
    pairs = [sorted(len(batches.seqs[i]) for i in _indices(batches.next_batch())) for _ in range(n // 2)]
    assert sum(b - a == 1 for a, b in pairs) < n // 4


def test_tagging_targets_are_padded_to_the_ids_width() -> None:
    batches = ShuffledBatches([[3, 4, 5], [6]], [[1, 2, 0], [2]], 2, seed=0, tagging=True)
    ids, lengths, targets = batches.collate([0, 1])
    assert ids.tolist() == [[3, 4, 5], [6, 0, 0]]
    assert lengths.tolist() == [3, 1]
    assert targets.tolist() == [[1, 2, 0], [2, IGNORE, IGNORE]]
    # the targets take the ids' width whatever the tag lists hold: an empty text is read as one <unk>
    ids, _, targets = ShuffledBatches([[]], [[]], 1, seed=0, tagging=True).collate([0])
    assert ids.shape == targets.shape == (1, 1) and targets.tolist() == [[IGNORE]]


def _run(batches: ShuffledBatches | UnlabelledBatches, k: int) -> list[list[int]]:
    return [batches.next_batch()[-1 if isinstance(batches, ShuffledBatches) else 0].tolist() for _ in range(k)]


@pytest.mark.parametrize("done", [0, 2, 4, 5, 9])  # within the first epoch, at its end, within the second
def test_a_resumed_shuffle_replays_exactly(done: int) -> None:
    n = 9

    def make() -> ShuffledBatches:
        return ShuffledBatches([[5] * (i % 4 + 1) for i in range(n)], list(range(n)), 2, seed=7)

    first = make()
    _run(first, done)
    state = json.loads(json.dumps(first.state_dict()))
    resumed = make()
    resumed.load_state_dict(state)
    assert _run(resumed, 12) == _run(first, 12)
    assert resumed.state_dict() == first.state_dict()


def test_unlabelled_batches_draw_without_replacement_and_drop_the_rest() -> None:
    batches = UnlabelledBatches([[i + 2] for i in range(4)], 2, seed=0)
    first = _run(batches, 2)
    assert sorted(x for b in first for row in b for x in row) == [2, 3, 4, 5]
    odd = UnlabelledBatches([[i + 2] for i in range(5)], 2, seed=0)
    drawn = _run(odd, 6)
    assert all(len(b) == 2 for b in drawn)  # the one left over is dropped, never a batch of one
    for k in (0, 2, 4):  # each pair of batches: four different texts of one permutation
        assert len({row[0] for b in drawn[k : k + 2] for row in b}) == 4


@pytest.mark.parametrize("done", [1, 2, 3])
def test_resumed_unlabelled_batches_replay_exactly(done: int) -> None:
    seqs = [[i + 2] * (i % 3 + 1) for i in range(5)]
    first = UnlabelledBatches(seqs, 2, seed=4)
    _run(first, done)
    resumed = UnlabelledBatches(seqs, 2, seed=99)
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))
    assert _run(resumed, 6) == _run(first, 6)


def test_features_are_padded_with_zeros() -> None:
    x, lengths = pad_features([torch.ones(2, 3), torch.full((4, 3), 2.0)])
    assert lengths.tolist() == [2, 4]
    assert torch.equal(x[0], torch.tensor([[1.0] * 3, [1.0] * 3, [0.0] * 3, [0.0] * 3]))
    assert torch.equal(x[1], torch.full((4, 3), 2.0))


def test_feature_batches_shift_targets_past_the_blank() -> None:
    batches = FeatureBatches([[torch.ones(3, 2)], [torch.ones(5, 2)]], [[0, 2], [1]], 2, seed=0)
    out = batches.collate([0, 1])
    assert out["targets"].tolist() == [1, 3, 2]
    assert out["target_lengths"].tolist() == [2, 1]
    assert out["lengths"].tolist() == [3, 5]


def test_each_speed_copy_gets_drawn() -> None:
    copies = [torch.zeros(2, 2), torch.ones(2, 2), torch.full((2, 2), 2.0)]
    batches = FeatureBatches([copies], [[0]], 1, seed=0)
    drawn = {float(batches.next_batch()["feats"][0, 0, 0]) for _ in range(40)}
    assert drawn == {0.0, 1.0, 2.0}


def test_warping_stretches_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    alphas: list[float] = []

    def warp(f: torch.Tensor, alpha: float) -> torch.Tensor:
        alphas.append(alpha)
        return f

    monkeypatch.setattr(batching, "warp_bands", warp)
    batches = FeatureBatches([[torch.ones(4, 6)]], [[0]], 1, seed=0, warp=0.1)
    for _ in range(30):
        batches.next_batch()
    assert all(0.9 <= a <= 1.1 for a in alphas)
    assert min(alphas) < 0.97 and max(alphas) > 1.03


def test_spec_augment_masks_differ_from_batch_to_batch() -> None:
    augment = {"freq_masks": 1, "freq_width": 3, "time_masks": 1, "time_width": 4}
    batches = FeatureBatches([[torch.ones(20, 8)]], [[0]], 1, seed=0, augment=augment)
    feats = [batches.next_batch()["feats"][0] for _ in range(6)]
    assert any(bool((f == 0).any()) for f in feats)  # masked: set to 0
    assert len({tuple(f.flatten().tolist()) for f in feats}) > 1


def test_the_batch_generator_changes_with_the_epoch() -> None:
    batches = ShuffledBatches([[5], [6]], [0, 1], 1, seed=2)
    at = {}
    for _ in range(4):  # epochs 0 and 1, positions 1 and 2
        batches.next_batch()
        at[batches.epoch, batches.pos] = batches.batch_generator().get_state()
    assert not torch.equal(at[0, 1], at[1, 1])
    assert not torch.equal(at[0, 2], at[1, 2])
    assert not torch.equal(at[0, 1], at[0, 2])


def test_a_negative_seed_that_fitted_torch_before_draws_as_it_did() -> None:
    """The batch seed wraps to 64 bits as torch wraps a negative seed itself, so a negative seed draws what it
    drew before the wrap was added."""
    batches = ShuffledBatches([[5], [6]], [0, 1], 1, seed=-1)
    batches.next_batch()
    expected = torch.Generator().manual_seed(-1 * 1_000_003 + 1)
    assert torch.equal(batches.batch_generator().get_state(), expected.get_state())
