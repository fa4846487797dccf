"""Gaps a mutation audit of :mod:`rnnkit.models.match` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit.models.match import MatchMemory, MatchReplay, MatchState, replayed
from rnnkit.train.tbptt import StreamBatch

ORDERS = (1, 2)


def test_a_memory_that_counts_without_a_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="vocabulary's size"):
        MatchState(ORDERS, 1, counts=(1,), vocab_size=0)
    assert MatchState(ORDERS, 1, counts=(1,), vocab_size=1).tallies is not None   # one token is a vocabulary


def test_ids_of_another_number_of_streams_are_refused() -> None:
    state = MatchState(ORDERS, 2)
    with pytest.raises(ValueError, match="2 stream"):
        state.advance(torch.zeros(4, 3, dtype=torch.long))
    assert state.position == 0


@pytest.mark.parametrize(("saved", "said"), [
    (torch.zeros(1, 0, dtype=torch.long), "whole numbers"),      # no column for the position read
    (torch.tensor([[2, 0, -1]]), "outside the vocabulary"),      # a negative token
    (torch.tensor([[2, 0, 5]]), "outside the vocabulary"),       # the vocabulary's size itself
])
def test_a_saved_state_without_a_position_or_with_a_token_just_outside_the_vocabulary_is_refused(
        saved: torch.Tensor, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        MatchState.restore(saved, ORDERS, 5)
    MatchState.restore(torch.tensor([[2, 0, 4]]), ORDERS, 5)      # the largest token of the vocabulary is one


def test_a_replay_keeps_a_window_that_fills_its_limit_exactly() -> None:
    replay = MatchReplay(ORDERS, limit=2 * 10)
    ids = torch.zeros(10, 1, dtype=torch.long)
    assert replay.record(0, ids, ids)          # 10 of 20
    assert replay.record(10, ids, ids)         # 20 of 20: the limit itself is kept
    assert not replay.record(20, ids, ids)     # 30 of 20
    assert sorted(replay.windows) == [0, 10] and replay.size == 20


def test_a_pass_that_left_the_record_records_no_later_window() -> None:
    """A window is replayed only when every window before it in the pass was the one recorded: a pass that left
    the record (its first window differs) must not record its next window, whose offers follow its own first
    window; else a later pass that reads the recorded first window and then that second window is given
    offers of a text it never read."""
    first, other = torch.tensor([[0, 1, 0, 1]]).t(), torch.tensor([[1, 1, 1, 1]]).t()
    second = torch.tensor([[1, 0, 1, 1]]).t()
    replay = MatchReplay(ORDERS)
    replay.start(1).advance(first)                       # a pass of one window
    left = replay.start(1)
    left.advance(other)                                  # another first window: not recorded, position 0 is taken
    left.advance(second)
    assert sorted(replay.windows) == [0]
    state, fresh = replay.start(1), MatchState(ORDERS, 1)
    assert torch.equal(state.advance(first), fresh.advance(first))
    assert torch.equal(state.advance(second), fresh.advance(second))


def test_a_fresh_memory_leans_on_the_models_softmax_as_worked_by_hand() -> None:
    """At the start the orders' scores are small and the sentinel's bias is log(K) + 2: with a zero hidden state
    and every order offering, the sentinel takes K e^2 / (K e^2 + K) = e^2 / (e^2 + 1) of the probability."""
    torch.manual_seed(0)
    memory = MatchMemory(3, (1, 2, 4)).eval()
    assert float(memory.score.weight.detach().abs().max()) <= 0.1 / math.sqrt(3) + 1e-7   # torch's bound, times 0.1
    logits = torch.tensor([[[0.0, 0.0, 0.0, 0.0]]])
    out = memory(torch.zeros(1, 1, 3), logits, torch.tensor([[[0, 0, 0]]])).exp()[0, 0]
    sentinel = math.exp(2) / (math.exp(2) + 1)
    want = [sentinel / 4 + (1 - sentinel), sentinel / 4, sentinel / 4, sentinel / 4]
    assert torch.allclose(out, torch.tensor(want), atol=1e-6)


def test_training_hides_the_offers_of_a_quarter_of_the_streams_by_default() -> None:
    memory = MatchMemory(4, ORDERS).train()
    h, logits = torch.randn(2, 400, 4), torch.randn(2, 400, 3)
    torch.manual_seed(1)
    out = memory(h, logits, torch.zeros(2, 400, len(ORDERS), dtype=torch.long))
    hidden = torch.isclose(out, torch.log_softmax(logits, -1), atol=1e-6).all(-1).all(0)
    assert 60 < int(hidden.sum()) < 140   # about 100 of 400 (the binomial's sd is under 9)


def test_a_state_that_counts_orders_its_counts_shortest_first() -> None:
    ids = torch.tensor([[0, 1, 2, 0, 1, 2, 0, 2, 1, 0, 1, 2]]).t()
    got, want = (MatchState(ORDERS, 1, counts=c, vocab_size=3) for c in ((3, 1, 2), (1, 2, 3)))
    got.advance(ids)
    want.advance(ids)
    assert got.counts == (1, 2, 3)
    assert torch.equal(got.counted[0], want.counted[0]) and torch.equal(got.counted[1], want.counted[1])


def test_a_saved_state_of_fractions_is_refused() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        MatchState.restore(torch.tensor([[2.0, 1.0, 0.0]]), ORDERS, 5)


def test_a_replayed_loss_starts_each_pass_from_the_replays_memory_and_carries_it_on() -> None:
    """The loss function is handed the replaying memory with the reset taken off the batch: were the reset left
    on, the loss would start from a fresh memory of its own and nothing would be replayed."""
    seen: list[tuple[bool, object]] = []
    loss = replayed(lambda model, batch, state: seen.append((batch.reset, state)) or 0.0, ORDERS)
    ids = torch.zeros(3, 2, dtype=torch.long)
    loss(None, StreamBatch(ids, ids, reset=True, shift=3), "stale")
    loss(None, StreamBatch(ids, ids, reset=False, shift=3), "carried")
    (reset, state), carried = seen
    assert reset is False and state[0] is None and isinstance(state[1], MatchState) and state[1].batch == 2
    assert state[1].replay is not None and carried == (False, "carried")


def test_a_second_pass_over_tokens_past_int16_is_replayed_not_built_again() -> None:
    """Tokens of 32,768 and more are kept as int32: kept as int16 they would wrap, no later pass would match its
    record, and every pass over a large vocabulary would build its tables again (the same offers, at the first
    pass's cost)."""
    ids = torch.tensor([40_000, 1, 2, 40_001, 1, 2, 1, 2, 1, 2]).view(-1, 1)
    replay = MatchReplay((2,))
    first = replay.start(1)
    want = torch.cat([first.advance(ids[:4]), first.advance(ids[4:])])
    again = replay.start(1)
    assert torch.equal(torch.cat([again.advance(ids[:4]), again.advance(ids[4:])]), want) and not again.built


def test_a_saved_state_whose_streams_read_different_lengths_is_refused_where_the_tokens_fit_the_first() -> None:
    with pytest.raises(ValueError, match="different numbers of tokens"):
        MatchState.restore(torch.tensor([[2, 1, 2], [3, 1, 2]]), ORDERS, 5)   # 2 tokens: all of stream 0's
