"""Gaps a mutation audit of :mod:`rnnkit.train.tbptt` found (round 7), checked against brute force: a torch.nn LSTM
language model run by hand over the whole stream, its state at each window's start computed from zero and detached."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.recurrent import detach_state
from rnnkit.train.tbptt import StreamBatch, StreamBatches, evaluate_streams, tbptt_lm_loss

V = 7

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class NnLM(nn.Module):
    """torch.nn's LSTM between an embedding and a linear read-out: ``model(x, state) -> (logits, state)``."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.emb, self.rnn, self.out = nn.Embedding(V, 4), nn.LSTM(4, 5), nn.Linear(5, V)

    def forward(self, x: torch.Tensor, state: object = None) -> tuple[torch.Tensor, object]:
        h, s = self.rnn(self.emb(x), state)
        return self.out(h), s


def tokens(n: int, seed: int = 3) -> torch.Tensor:
    return torch.randint(V, (n,), generator=torch.Generator().manual_seed(seed)).to(torch.uint8)


def by_hand_starts(length: int, window: int, shift: int, count: int) -> list[int]:
    """Where the first ``count`` windows start in streams of ``length``: 0, shift, 2 shift ... while a window and its
    next token fit; then from 0 again."""
    starts, p = [], 0
    while p + window + 1 <= length:
        starts.append(p)
        p += shift
    return [starts[k % len(starts)] for k in range(count)]


@pytest.mark.parametrize("shift", [6, 4, 1])
def test_tbptt_gradients_equal_brute_force_on_each_window_from_a_detached_state(shift: int) -> None:
    """Over 5 windows of 6 tokens (past the end of the 2 streams of 20, so they start again), the summed gradients of
    the windows' losses, state carried by tbptt_lm_loss and detached between windows, equal those computed by hand:
    each window's loss from the state of the whole stream before it (run from zero, no gradient), the stream read
    from data.view(batch, length)."""
    B, T, n = 2, 6, 5
    data = tokens(B * 20 + 1)  # one token left over
    model = NnLM()
    src, state = StreamBatches(data, B, window=T, shift=shift), None
    for _ in range(n):
        loss, count, state = tbptt_lm_loss(model, src.next_batch(), state)
        assert count == B * T
        loss.backward()
        state = detach_state(state)
    ours = [p.grad.clone() for p in model.parameters()]

    model.zero_grad()
    streams = data[: B * 20].view(B, 20).t().long()  # (time, batch)
    for p in by_hand_starts(20, T, shift, n):
        with torch.no_grad():
            before = model(streams[:p])[1] if p else None
        logits, _ = model(streams[p : p + T], before)
        F.cross_entropy(logits.reshape(-1, V), streams[p + 1 : p + T + 1].reshape(-1), reduction="sum").backward()
    for mine, theirs in zip(ours, (p.grad for p in model.parameters()), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)


def test_the_loss_is_the_sum_over_the_window_and_its_count_the_tokens() -> None:
    model = NnLM().eval()
    x, y = tokens(12).long().view(4, 3), tokens(12, seed=4).long().view(4, 3)
    with torch.no_grad():
        loss, count, _ = tbptt_lm_loss(model, StreamBatch(x, y, reset=True, shift=4), None)
        logits, _ = model(x)
    assert count == 12
    torch.testing.assert_close(loss, F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction="sum"))


@pytest.mark.parametrize("window", [4, 11, 19, 100])
def test_evaluate_streams_equals_one_pass_over_each_stream(window: int) -> None:
    """The mean loss of 3 streams of 13 tokens is that of one run of the LSTM over each whole stream (from zero), its
    12 next tokens predicted: 36 tokens, whatever the window (a last window shorter than the others included)."""
    data = tokens(3 * 13 + 2)
    model = NnLM().eval()
    got = evaluate_streams(model, data, batch_size=3, window=window)
    with torch.no_grad():
        streams = data[:39].view(3, 13).t().long()
        logits, _ = model(streams[:-1])
        want = F.cross_entropy(logits.reshape(-1, V), streams[1:].reshape(-1)).item()
    assert got["tokens"] == 36
    assert got["loss"] == pytest.approx(want, rel=1e-5)


def test_evaluate_streams_reads_max_tokens_and_the_one_after_them() -> None:
    """max_tokens=20 of 100: one stream of 21 tokens, its 20 next tokens predicted, the rest unread."""
    data = tokens(100)
    model = NnLM().eval()
    got = evaluate_streams(model, data, batch_size=1, window=8, max_tokens=20)
    with torch.no_grad():
        logits, _ = model(data[:20].long().unsqueeze(1))
        want = F.cross_entropy(logits[:, 0], data[1:21].long()).item()
    assert got["tokens"] == 20 and got["loss"] == pytest.approx(want, rel=1e-5)


def test_evaluate_streams_with_more_streams_than_the_text_holds_makes_streams_of_two_or_more() -> None:
    """batch_size 32 over 11 tokens: (11 - 1) // 2 = 5 streams of 2 tokens, one prediction each."""
    got = evaluate_streams(NnLM().eval(), tokens(11), batch_size=32, window=8)
    assert got["tokens"] == 5


@pytest.mark.parametrize("shift", [0, 7])
def test_a_shift_outside_1_to_the_window_is_refused(shift: int) -> None:
    """shift 0 never moves on (the same window for ever); one past the window skips a token between windows."""
    with pytest.raises(ValueError, match="shift must be between 1 and the window"):
        StreamBatches(tokens(100), 2, window=6, shift=shift)


def test_tokens_of_two_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="1-D"):
        StreamBatches(tokens(100).view(10, 10), 2, window=3)


def test_streams_of_a_window_and_one_token_are_the_shortest_taken() -> None:
    """2 streams of 7 tokens hold one window of 6 and its next tokens (an epoch of 1 window); of 6, none."""
    data = tokens(2 * 7)
    src = StreamBatches(data, 2, window=6)
    assert src.windows_per_epoch == 1
    batch = src.next_batch()
    assert torch.equal(batch.inputs, data.view(2, 7)[:, :6].t().long())
    with pytest.raises(ValueError, match="a window of 6 needs 7"):
        StreamBatches(tokens(2 * 6 + 1), 2, window=6)


@pytest.mark.parametrize("length, window, shift", [(12, 6, 6), (13, 6, 6), (20, 6, 4), (20, 6, 1), (7, 6, 3),
                                                   (19, 9, 9), (30, 4, 3)])
def test_an_epoch_is_every_window_that_fits_and_then_the_streams_start_again(length: int, window: int,
                                                                               shift: int) -> None:
    """Two epochs of windows, each checked by hand: the starts 0, shift, ... while a window and its next token fit in
    the stream, reset only on the first window of each epoch; windows_per_epoch is how many there are."""
    data = tokens(2 * length)
    streams = data.view(2, length).t().long()
    starts = by_hand_starts(length, window, shift, 1000)
    per_epoch = starts[1:].index(0) + 1 if 0 in starts[1:] else len(starts)
    src = StreamBatches(data, 2, window=window, shift=shift)
    assert src.windows_per_epoch == per_epoch
    for k in range(2 * per_epoch + 1):
        b = src.next_batch()
        p = starts[k]
        assert b.reset == (k % per_epoch == 0) and b.offset == p and b.shift == shift
        assert torch.equal(b.inputs, streams[p : p + window])
        assert torch.equal(b.targets, streams[p + 1 : p + window + 1])
    assert src.epoch == 2


def test_a_shard_is_its_rows_of_the_combined_batch_at_the_same_position() -> None:
    """Two processes of batch 2 read the rows 0-1 and 2-3 of one process's batch of 4 (streams of 100 // 4 = 25
    tokens), from the position and epoch the unsharded source had reached."""
    data = tokens(101)
    src = StreamBatches(data, 2, window=5)
    for _ in range(3):
        src.next_batch()
    rows = data[:100].view(4, 25)
    for rank in (0, 1):
        part = src.shard(rank, 2)
        assert part.batch_size == 2 and (part.position, part.epoch) == (15, 0)
        assert torch.equal(part.streams, rows[2 * rank : 2 * rank + 2])
        b = part.next_batch()
        assert torch.equal(b.inputs, rows[2 * rank : 2 * rank + 2, 15:20].t().long()) and not b.reset


def test_a_shard_of_a_fresh_source_starts_the_streams() -> None:
    part = StreamBatches(tokens(101), 2, window=5).shard(1, 2)
    assert part.next_batch().reset


def test_a_shard_the_text_is_too_short_for_is_one_line() -> None:
    from rnnkit.errors import UserError

    with pytest.raises(UserError, match=r"^4 processes x batch size 2: 40 tokens make streams of 5 for batch size 8; "
                                        r"a window of 5 needs 6$"):
        StreamBatches(tokens(40), 2, window=5).shard(0, 4)


def test_a_position_saved_without_the_fresh_flag_resumes_inside_the_epoch() -> None:
    """A state saved before the flag was (position and epoch only) resumes carrying the state: not a reset."""
    src = StreamBatches(tokens(100), 2, window=5)
    src.load_state_dict({"position": 10, "epoch": 1})
    b = src.next_batch()
    assert not b.reset and b.offset == 10 and src.epoch == 1


@pytest.mark.parametrize("fresh", [True, False])
def test_training_rate_with_fresh_starts_every_window_afresh(fresh: bool) -> None:
    from rnnkit.train.tbptt import training_rate

    seen = []

    def loss(m: nn.Module, b: StreamBatch, st: object) -> tuple[torch.Tensor, int, object]:
        seen.append(b.reset)
        return tbptt_lm_loss(m, b, st)

    training_rate(NnLM(), V, batch_size=2, window=3, seconds=10.0, warmup=1, max_updates=2, loss_fn=loss, fresh=fresh)
    assert seen == [fresh] * 3


class Clocked(NnLM):
    """An LSTM LM whose forward takes a ``time_offset`` (a Clockwork RNN's clock): it records each one."""

    def __init__(self) -> None:
        super().__init__()
        self.offsets: list[int] = []

    def forward(self, x: torch.Tensor, state: object = None, time_offset: int = 0) -> tuple[torch.Tensor, object]:
        self.offsets.append(time_offset)
        return super().forward(x, state)


def test_evaluate_streams_gives_a_clocked_model_each_windows_position() -> None:
    model = Clocked().eval()
    evaluate_streams(model, tokens(2 * 13), batch_size=2, window=5)
    assert model.offsets == [0, 5, 10]


def test_evaluate_streams_runs_a_given_forward_with_the_windows_position() -> None:
    model = NnLM().eval()
    calls = []

    def forward(m: nn.Module, x: torch.Tensor, s: object, offset: int) -> tuple[torch.Tensor, object]:
        calls.append((x.shape[0], offset))
        return m(x, s)

    plain = evaluate_streams(model, tokens(2 * 13), batch_size=2, window=5)
    assert evaluate_streams(model, tokens(2 * 13), batch_size=2, window=5, forward=forward) == plain
    assert calls == [(5, 0), (5, 5), (2, 10)]
