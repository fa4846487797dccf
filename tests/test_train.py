"""The generic trainer: truncated BPTT, clipping, schedules, checkpoints, resume, divergence."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit.errors import UserError
from rnnkit.models.language_model import LanguageModel
from rnnkit.train import (
    StreamBatches,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    detach_state,
    evaluate_streams,
    learning_rate,
    load_checkpoint,
    save_checkpoint,
    seed_everything,
    tbptt_lm_loss,
)
from rnnkit.train import checkpoint as ckpt_mod

V = 11


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread is fastest, and far faster than two on a shared, busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_lm(seed: int = 0, dropout: float = 0.0, cell: str = "lstm") -> LanguageModel:
    torch.manual_seed(seed)
    return LanguageModel(V, cell=cell, hidden_size=12, num_layers=2, embed_dim=6, dropout=dropout)


def tokens(n: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, V, (n,), generator=g).to(torch.uint8)


def grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: p.grad.clone() for k, p in model.named_parameters()}


# ------------------------------------------------------------------------------------------- TBPTT
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
def test_tbptt_window_equal_to_sequence_gives_full_bptt_gradients(cell: str) -> None:
    T, B = 20, 3
    data = tokens(B * (T + 1))
    model = tiny_lm(cell=cell)
    batch = StreamBatches(data, B, window=T).next_batch()
    loss_sum, n, _ = tbptt_lm_loss(model, batch, None)
    (loss_sum / n).backward()
    g_tbptt = grads(model)

    model.zero_grad()
    streams = data[: B * (T + 1)].view(B, T + 1).t().long()  # the same text, by hand, whole sequence
    logits, _ = model(streams[:-1])
    F.cross_entropy(logits.reshape(-1, V), streams[1:].reshape(-1)).backward()
    for name, g in grads(model).items():
        torch.testing.assert_close(g_tbptt[name], g, rtol=1e-5, atol=1e-7, msg=name)


def test_state_is_carried_across_windows_and_detached() -> None:
    T, B = 8, 2
    data = tokens(B * (3 * T + 1))
    model = tiny_lm()
    src = StreamBatches(data, B, window=T)
    first, second = src.next_batch(), src.next_batch()
    assert first.reset and not second.reset
    _, _, carry = tbptt_lm_loss(model, first, None)
    carried = detach_state(carry)
    assert all(s.grad_fn is None and not s.requires_grad for s in carried)
    loss2, _, _ = tbptt_lm_loss(model, second, carried)
    # the second window continues the first: same logits as one pass over both windows
    with torch.no_grad():
        both = torch.cat([first.inputs, second.inputs])
        full, _ = model(both)
        part, _ = model(second.inputs, carried)
    torch.testing.assert_close(part, full[T:])
    # gradients stop at the window boundary: the loss of window 2 does not reach window 1's inputs
    emb = model.embedding.weight
    loss2.backward()
    only_first = set(first.inputs.flatten().tolist()) - set(second.inputs.flatten().tolist())
    for idx in only_first:
        assert torch.count_nonzero(emb.grad[idx]) == 0


def test_detach_state_keeps_the_states_structure() -> None:
    """The LSTM's (h, c) stays a tuple and a model's list of per-layer states a list, each tensor cut from the graph."""
    h = torch.ones(2, 3, requires_grad=True) * 2
    cut = detach_state([h, (h, h + 1)])
    assert type(cut) is list and type(cut[1]) is tuple and type(detach_state((h, h))) is tuple
    assert not any(t.requires_grad for t in (cut[0], *cut[1])) and torch.equal(cut[1][1], h + 1)
    assert detach_state(None) is None


def test_shift_shorter_than_window_carries_state_at_the_shift() -> None:
    T, s, B = 10, 4, 2
    data = tokens(B * 40)
    model = tiny_lm()
    src = StreamBatches(data, B, window=T, shift=s)
    b1, b2 = src.next_batch(), src.next_batch()
    assert b2.offset == s
    _, _, carry = tbptt_lm_loss(model, b1, None)
    with torch.no_grad():
        _, h = model(b1.inputs[:s])
    torch.testing.assert_close(carry[0], h[0])
    torch.testing.assert_close(b2.inputs[: T - s], b1.inputs[s:])


def test_a_window_that_starts_the_streams_again_starts_from_a_zero_state() -> None:
    """After a wrap (``reset``) the carried state is dropped: the window's loss is that of a fresh model run, and the
    carry detached from the windows before it changes nothing (char-rnn's epochs)."""
    model = tiny_lm().eval()
    src = StreamBatches(tokens(2 * 20), 2, window=8)
    first, second, wrapped = src.next_batch(), src.next_batch(), src.next_batch()
    assert wrapped.reset
    with torch.no_grad():
        _, _, carry = tbptt_lm_loss(model, second, tbptt_lm_loss(model, first, None)[2])
        loss, n, _ = tbptt_lm_loss(model, wrapped, detach_state(carry))
        logits, _ = model(wrapped.inputs)
    assert n == 16 and loss.item() == pytest.approx(F.cross_entropy(logits.reshape(-1, V), wrapped.targets.reshape(-1),
                                                                     reduction="sum").item(), rel=1e-6)


def test_a_clockwork_window_with_a_shorter_shift_keeps_one_clock() -> None:
    """With shift < window the window runs in two calls (to carry the state at the shift); the second continues the
    Clockwork RNN's clock at the window's position + shift: the loss of one call over the whole window."""
    model = tiny_lm(cell="clockwork").eval()
    src = StreamBatches(tokens(2 * 40), 2, window=10, shift=3)
    src.next_batch()
    batch = src.next_batch()
    assert batch.offset == 3
    state = torch.randn(2, 2, 12)
    with torch.no_grad():
        loss, _, _ = tbptt_lm_loss(model, batch, state)
        logits, _ = model(batch.inputs, state, time_offset=3)
    assert loss.item() == pytest.approx(F.cross_entropy(logits.reshape(-1, V), batch.targets.reshape(-1),
                                                        reduction="sum").item(), rel=1e-6)


def test_streams_wrap_with_reset_and_restore_position() -> None:
    src = StreamBatches(tokens(2 * 20), 2, window=8)
    assert src.windows_per_epoch == 2
    seen = [src.next_batch() for _ in range(3)]
    assert [b.reset for b in seen] == [True, False, True] and src.epoch == 1
    state = src.state_dict()
    nxt = src.next_batch()
    other = StreamBatches(tokens(2 * 20), 2, window=8)
    other.load_state_dict(json.loads(json.dumps(state)))
    again = other.next_batch()
    assert torch.equal(nxt.inputs, again.inputs) and nxt.reset == again.reset


def test_a_window_that_ends_on_the_streams_last_token_is_read() -> None:
    """Streams of 19 tokens hold two windows of 9 (and their next tokens): the second ends on the last token, and an
    epoch is both of them before the streams start again."""
    data = tokens(2 * 19)
    src = StreamBatches(data, 2, window=9)
    seen = [src.next_batch() for _ in range(3)]
    assert src.windows_per_epoch == 2 and [b.reset for b in seen] == [True, False, True]
    assert torch.equal(seen[1].targets[-1], data.view(2, 19)[:, -1].long())


def test_stream_memory_is_one_window_at_a_time() -> None:
    data = tokens(1_000_000)
    src = StreamBatches(data, 4, window=16)
    assert src.streams.dtype == torch.uint8 and src.streams.data_ptr() == data.data_ptr()  # a view
    assert src.next_batch().inputs.shape == (16, 4)


def test_evaluate_streams_is_mean_loss_per_token() -> None:
    model = tiny_lm().eval()
    data = tokens(101)
    result = evaluate_streams(model, data, batch_size=1, window=1000)
    with torch.no_grad():
        logits, _ = model(data[:-1].long().unsqueeze(1))
        expect = F.cross_entropy(logits[:, 0], data[1:].long()).item()
    assert result["tokens"] == 100
    assert math.isclose(result["loss"], expect, rel_tol=1e-5)
    windowed = evaluate_streams(model, data, batch_size=1, window=7)  # state carried across windows
    assert math.isclose(windowed["loss"], expect, rel_tol=1e-5)


def test_training_rate_counts_the_timed_windows_and_leaves_the_model_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import tbptt

    model = tiny_lm(dropout=0.2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    clock = iter(float(i) / 10 for i in range(100))        # each reading of the clock 0.1 s after the last
    monkeypatch.setattr(tbptt.time, "perf_counter", lambda: next(clock))
    calls = []

    def loss(m: torch.nn.Module, b: tbptt.StreamBatch, st: object) -> tuple[torch.Tensor, int, object]:
        calls.append(b.inputs.shape)
        return tbptt.tbptt_lm_loss(m, b, st)

    # 2 untimed windows, then 3 timed ones until 0.25 s have passed; 0.4 s from start to end
    rate = tbptt.training_rate(model, V, batch_size=3, window=5, seconds=0.25, warmup=2, loss_fn=loss)
    assert calls == [torch.Size([5, 3])] * 5
    assert rate == pytest.approx(3 * 3 * 5 / 0.4)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items()) and model.training
    assert tbptt.training_rate(tiny_lm(), V, batch_size=2, window=4, seconds=10.0, max_updates=2) > 0


# ------------------------------------------------------------------------------------------- schedules
def test_learning_rate_warmup_cosine_step() -> None:
    assert learning_rate(1.0, 0, 0.0, warmup_steps=4) == pytest.approx(0.25)
    assert learning_rate(1.0, 3, 0.0, warmup_steps=4) == pytest.approx(1.0)
    assert learning_rate(1.0, 50, 0.5) == pytest.approx(0.5)
    assert learning_rate(1.0, 100, 1.0, min_lr_ratio=0.1) == pytest.approx(0.1)
    assert learning_rate(1.0, 2500, 0.0, schedule="step", step_every=1000, gamma=0.5) == pytest.approx(0.25)
    assert learning_rate(1.0, 10, 0.9, schedule="constant") == 1.0
    with pytest.raises(UserError):
        learning_rate(1.0, 0, 0.0, schedule="exponential")


def test_linear_decay_is_torch_linear_lr_to_the_floor() -> None:
    """``linear`` falls in a straight line from lr to ``min_lr_ratio`` × lr over the run, as torch's LinearLR
    from factor 1 to that ratio over the same updates; a warm-up scales its first updates."""
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.2, total_iters=40)
    for step in range(41):
        assert learning_rate(0.5, step, step / 40, schedule="linear", min_lr_ratio=0.2) == pytest.approx(
            sched.get_last_lr()[0]), step
        opt.step()
        sched.step()
    assert learning_rate(1.0, 0, 0.0, schedule="linear", warmup_steps=4) == pytest.approx(0.25)
    assert learning_rate(1.0, 7, 1.5, schedule="linear") == 0.0


def test_cosine_decay_is_torch_cosine_annealing_to_the_floor() -> None:
    """``cosine`` falls from lr to ``min_lr_ratio`` × lr over the run, as torch's CosineAnnealingLR with that
    ``eta_min`` over the same updates."""
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40, eta_min=0.5 * 0.2)
    for step in range(41):
        assert learning_rate(0.5, step, step / 40, min_lr_ratio=0.2) == pytest.approx(sched.get_last_lr()[0]), step
        opt.step()
        sched.step()


def test_step_decay_is_torch_step_lr() -> None:
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
    for step in range(12):
        got = learning_rate(0.5, step, step / 12, schedule="step", step_every=3, gamma=0.1)
        assert got == pytest.approx(sched.get_last_lr()[0]), step
        opt.step()
        sched.step()


def test_warm_up_scales_the_schedule_as_torchs_linear_lr_chained_before_it() -> None:
    """Warm-up multiplies the schedule's rate by (step + 1) / warmup over the first updates and stops at the
    schedule's own rate, as torch's LinearLR(1 / warmup → 1) chained with StepLR: never above lr, and a decay
    that falls inside the warm-up still counts."""
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.ChainedScheduler([
        torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / 4, end_factor=1.0, total_iters=3),
        torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)])
    for step in range(9):
        got = learning_rate(1.0, step, 0.0, schedule="step", warmup_steps=4, step_every=2, gamma=0.5)
        assert got == pytest.approx(sched.get_last_lr()[0]), step
        opt.step()
        sched.step()
    assert [learning_rate(1.0, s, 0.0, schedule="constant", warmup_steps=4) for s in range(6)] == pytest.approx(
        [0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


TORCH_OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.2),
    "adam": lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.7, 0.8), eps=1e-3, weight_decay=0.2),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.7, 0.8), eps=1e-3, weight_decay=0.2),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.1, alpha=0.95, eps=1e-3, weight_decay=0.2),
}


@pytest.mark.parametrize("name", sorted(TORCH_OPTIMIZERS))
def test_each_optimizer_takes_its_momentum_betas_and_weight_decay_as_torchs_does(name: str) -> None:
    """``build_optimizer`` steps exactly as torch's optimiser built by hand with the same settings (SGD's momentum,
    Adam's betas, AdamW's decoupled decay, not Adam's L2 term; a frozen parameter is left out)."""
    from rnnkit.train import build_optimizer
    start = torch.tensor([1.0, -2.0, 0.5])
    ours, theirs = start.clone().requires_grad_(), start.clone().requires_grad_()
    frozen = torch.zeros(2, requires_grad=False)
    opt_ours = build_optimizer(name, [ours, frozen], lr=0.1, weight_decay=0.2, momentum=0.5, betas=(0.7, 0.8),
                               eps=1e-3)
    opt_theirs = TORCH_OPTIMIZERS[name]([theirs])
    assert len(opt_ours.param_groups[0]["params"]) == 1
    for _ in range(4):
        for w, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            (w ** 2 * torch.tensor([1.0, 3.0, -2.0])).sum().backward()
            opt.step()
        torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------------------------------- trainer
def make_trainer(out: Path | None, *, steps: int = 12, resume=None, dropout: float = 0.2, on_eval=None,
                 loss_fn=tbptt_lm_loss, cell: str = "lstm", files: dict | None = None, **cfg) -> Trainer:
    seed_everything(3)
    model = tiny_lm(dropout=dropout, cell=cell)
    data = tokens(4 * 60)
    val = tokens(200, seed=9)
    config = TrainConfig(**{"steps": steps, "eval_every": 4, "log_every": 2, "progress": False, "verbose": False,
                            "lr": 0.01, **cfg})
    return Trainer(
        model, config, batches=StreamBatches(data, 4, window=9), loss_fn=loss_fn,
        eval_fn=lambda m: evaluate_streams(m, val, batch_size=4, window=16),
        out_dir=out, model_config={"task": "test", "model": model.config(), **({"data": files} if files else {})},
        vocab={"type": "test"}, resume=resume, on_eval=on_eval,
    )


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adamw"])
def test_resume_is_bit_exact(tmp_path: Path, optimizer: str) -> None:
    straight = make_trainer(tmp_path / "a", optimizer=optimizer, warmup=3)
    straight.fit()

    first = make_trainer(tmp_path / "b", optimizer=optimizer, warmup=3, halt_at=7)
    result = first.fit()
    assert result.stopped == "halt_at" and result.steps == 7
    torch.manual_seed(12345)  # the resumed process starts with other RNG states: they must be restored
    resumed = make_trainer(tmp_path / "b", optimizer=optimizer, warmup=3,
                           resume=load_checkpoint(tmp_path / "b", prefer="last"))
    assert resumed.step == 7
    resumed.fit()
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    rows = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "train_loss" in r] == [2, 4, 6, 8, 10, 12]


def test_a_resumed_run_with_accumulation_is_bit_exact(tmp_path: Path) -> None:
    """Each update reads --accumulate batches: the data position and carried state saved after it are where the
    next update starts, so a halted and resumed run ends with the whole run's weights."""
    straight = make_trainer(tmp_path / "a", steps=6, accumulate=3)
    straight.fit()
    make_trainer(tmp_path / "b", steps=6, accumulate=3, halt_at=3).fit()
    resumed = make_trainer(tmp_path / "b", steps=6, accumulate=3, resume=load_checkpoint(tmp_path / "b", prefer="last"))
    resumed.fit()
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert load_checkpoint(tmp_path / "b", prefer="last").trainer_state["tokens"] == 6 * 3 * 4 * 9


class _ListBatches:
    """The given batches in turn, for ever."""

    def __init__(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.batches, self.i = batches, 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        self.i += 1
        return self.batches[(self.i - 1) % len(self.batches)]

    def state_dict(self) -> dict[str, int]:
        return {"i": self.i}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.i = state["i"]


def _squared_error(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor], state: None) -> tuple:
    x, y = batch
    return ((model(x) - y) ** 2).sum(), y.numel(), None


@pytest.mark.parametrize(("optimizer", "clip"), [("sgd", None), ("adam", None), ("sgd", 0.05), ("adamw", 0.05)])
def test_accumulated_batches_update_as_one_batch_of_them_all(optimizer: str, clip: float | None) -> None:
    """Gradient accumulation (OpenNMT-py's -accum_count, fairseq's --update-freq): an update over batches of 3
    and 5 rows, accumulated, gives the weights of one update over the batch of their 8 rows (the mean over all
    items, clipped as a whole)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 4, generator=g), torch.randn(8, 2, generator=g)
    weights = []
    for batches, accumulate in (([(x[:3], y[:3]), (x[3:], y[3:])], 2), ([(x, y)], 1)):
        torch.manual_seed(1)
        model = torch.nn.Linear(4, 2)
        cfg = TrainConfig(steps=1, optimizer=optimizer, lr=0.1, momentum=0.0, clip=clip, schedule="constant",
                          accumulate=accumulate, progress=False, verbose=False)
        Trainer(model, cfg, batches=_ListBatches(batches), loss_fn=_squared_error).fit()
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.allclose(weights[0], weights[1], atol=1e-6)
    torch.manual_seed(1)
    assert not torch.allclose(weights[0], torch.cat([p.flatten() for p in torch.nn.Linear(4, 2).parameters()]))


@pytest.mark.parametrize(("cuts", "accumulate", "steps"), [
    ([(0, 0), (0, 8)], 2, 1),      # a batch of no items, then one of all 8 rows
    ([(0, 3), (3, 8)], 2, 2),      # 3 rows of small loss, then 5 of large
    ([(0, 0), (0, 8)], 1, 2),      # an update of no items, then one of the 8 rows
])
def test_the_blowup_check_reads_the_update_as_one_batch_of_all_its_items(
        cuts: list[tuple[int, int]], accumulate: int, steps: int) -> None:
    """An accumulated update is checked as the one batch of all its items it equals: its first batch's mean (0
    over no items, or that of three rows of small loss) was taken for the first loss, and the next batch's mean
    was a divergence ('over 2x the first (0)'); an update of no items sets no first loss either."""
    x = torch.tensor([[1.0]] * 3 + [[0.0]] * 5)
    y = torch.tensor([[0.1]] * 3 + [[3.0]] * 5)
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.ones_(model.weight)
    cfg = TrainConfig(steps=steps, optimizer="sgd", lr=0.0, schedule="constant", accumulate=accumulate, blowup=2.0,
                      progress=False, verbose=False)
    trainer = Trainer(model, cfg, batches=_ListBatches([(x[a:b], y[a:b]) for a, b in cuts]), loss_fn=_squared_error)
    assert trainer.fit().stopped == "steps"
    assert trainer.first_loss == pytest.approx((0.9**2 * 3 + 3.0**2 * 5) / 8)   # the squared errors at weight 1


@pytest.mark.parametrize(("first", "then", "stopped"), [(-2.0, 0.1, "steps"), (0.0, 0.5, "steps"),
                                                      (1.0, 1.5, "steps"), (1.0, 2.5, "diverged")])
def test_the_blowup_check_needs_a_positive_first_loss(first: float, then: float, stopped: str) -> None:
    """A loss that starts at 0 or below (a custom loss, a Gaussian negative log-likelihood) has no multiple to grow
    past: -2 then 0.1, or 0 then 0.5, were divergences "over 2x the first" (every loss over 1e-8 was); a positive
    first loss is still checked."""
    model = torch.nn.Linear(1, 1, bias=False)
    losses = iter([first, then])

    def loss_fn(m: torch.nn.Module, batch: tuple, state: None) -> tuple:
        return m.weight.sum() * 0 + next(losses), 1, None

    batch = (torch.zeros(1, 1), torch.zeros(1, 1))
    cfg = TrainConfig(steps=2, optimizer="sgd", lr=0.0, schedule="constant", blowup=2.0, on_diverge="stop",
                      progress=False, verbose=False)
    assert Trainer(model, cfg, batches=_ListBatches([batch]), loss_fn=loss_fn).fit().stopped == stopped


def test_accumulation_carries_the_state_from_batch_to_batch() -> None:
    """With a carried state (truncated BPTT) the accumulated batches are consecutive windows of the same streams,
    each starting from the state the one before left, detached: the update written out by hand."""
    seed_everything(3)
    model, data = tiny_lm(), tokens(4 * 60)
    reference = tiny_lm()
    reference.load_state_dict(model.state_dict())
    cfg = TrainConfig(steps=1, optimizer="sgd", lr=0.5, momentum=0.0, clip=None, schedule="constant", accumulate=2,
                      progress=False, verbose=False)
    Trainer(model, cfg, batches=StreamBatches(data, 4, window=9), loss_fn=tbptt_lm_loss).fit()
    batches, state, items = StreamBatches(data, 4, window=9), None, 0
    for _ in range(2):
        loss, n, state = tbptt_lm_loss(reference, batches.next_batch(), state)
        loss.backward()
        items, state = items + n, detach_state(state)
    with torch.no_grad():
        for p in reference.parameters():
            p -= 0.5 * p.grad / items
    for (name, a), b in zip(model.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_a_resumed_run_keeps_the_metrics_of_the_step_it_resumed_from(tmp_path: Path) -> None:
    """metrics.jsonl keeps what the run logged up to its checkpoint, that step's evaluation included, and drops
    only what came after it."""
    make_trainer(tmp_path, steps=8, halt_at=4).fit()
    with (tmp_path / "metrics.jsonl").open("a") as fh:
        fh.write(json.dumps({"step": 5, "train_loss": 9.0}) + "\n")  # logged after the checkpoint: to go
    make_trainer(tmp_path, steps=8, resume=load_checkpoint(tmp_path, prefer="last")).fit()
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [(r["step"], "val_loss" in r) for r in rows] == [(2, False), (4, True), (6, False), (8, True)]


def test_resume_restores_pythons_and_numpys_random_generators(tmp_path: Path) -> None:
    """A loss function (data augmentation, a sampled rate) that draws from Python's ``random`` or numpy's draws the
    same numbers after a resume as in the run that never stopped."""
    def drawing(draws: list):
        def loss_fn(model, batch, state):
            draws.append((random.random(), float(np.random.rand())))
            return tbptt_lm_loss(model, batch, state)
        return loss_fn

    straight: list = []
    make_trainer(tmp_path / "a", loss_fn=drawing(straight)).fit()
    make_trainer(tmp_path / "b", loss_fn=drawing([]), halt_at=7).fit()
    resumed: list = []  # make_trainer seeds every generator afresh: the checkpoint's states must replace those
    make_trainer(tmp_path / "b", loss_fn=drawing(resumed), resume=load_checkpoint(tmp_path / "b", prefer="last")).fit()
    assert resumed == straight[7:]


def test_outputs_metrics_plot_and_best(tmp_path: Path) -> None:
    result = make_trainer(tmp_path, steps=8).fit()
    assert (tmp_path / "loss.png").stat().st_size > 1000
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert {"step", "elapsed", "train_loss", "lr", "grad_norm"} <= set(rows[0])
    assert sum("val_loss" in r for r in rows) == 2
    best = load_checkpoint(tmp_path)
    assert best.path.name == "best" and best.optimizer_state is None
    assert best.trainer_state["best_metric"] == result.best_metric
    assert result.best_metric == min(r["val_loss"] for r in rows if "val_loss" in r)
    last = load_checkpoint(tmp_path, prefer="last")
    assert last.optimizer_state is not None and last.trainer_state["step"] == 8
    with pytest.raises(UserError, match="already holds a trained model"):
        make_trainer(tmp_path, steps=8)


def test_clipping_caps_the_global_norm(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = tiny_lm()
    before = [p.detach().clone() for p in model.parameters()]
    cfg = TrainConfig(steps=1, optimizer="sgd", momentum=0.0, lr=1.0, schedule="constant", clip=0.05,
                      progress=False, verbose=False, log_every=1)
    trainer = Trainer(model, cfg, batches=StreamBatches(tokens(200), 2, window=20), loss_fn=tbptt_lm_loss,
                      out_dir=tmp_path, model_config={"task": "test"})
    trainer.fit()
    step = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before, strict=True)))
    assert step.item() == pytest.approx(0.05, rel=1e-4)  # lr 1, SGD: the update is the clipped gradient
    row = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[0])
    assert row["grad_norm"] > 0.05 and row["clipped"] == 1.0


def test_an_sgd_step_is_the_scheduled_rate_times_the_gradient_of_the_mean_loss(tmp_path: Path) -> None:
    """theta_1 = theta_0 - lr_0 grad L, L the cross-entropy averaged over the window's tokens (torch's mean, not their
    sum) and lr_0 the schedule's first rate: a quarter of the peak in the first of four warm-up steps."""
    model, data = tiny_lm(), tokens(200)
    first = StreamBatches(data, 2, window=10).next_batch()
    logits, _ = model(first.inputs)
    F.cross_entropy(logits.reshape(-1, V), first.targets.reshape(-1)).backward()
    want = {k: (p - 0.5 / 4 * p.grad).detach() for k, p in model.named_parameters()}
    model.zero_grad()
    cfg = TrainConfig(steps=10, halt_at=1, optimizer="sgd", momentum=0.0, lr=0.5, warmup=4, clip=None,
                      progress=False, verbose=False)
    Trainer(model, cfg, batches=StreamBatches(data, 2, window=10), loss_fn=tbptt_lm_loss, out_dir=None,
            model_config={"task": "test"}).fit()
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), want[name], msg=name)


@pytest.mark.parametrize("clip", [None, 0.0])
def test_clip_none_or_zero_leaves_the_gradient_whole(clip: float | None) -> None:
    """``clip`` None or 0 is no clipping (TrainConfig): a gradient of norm far over any threshold is applied whole."""
    model, data = tiny_lm(), tokens(200)
    first = StreamBatches(data, 2, window=10).next_batch()
    logits, _ = model(first.inputs)
    (1000 * F.cross_entropy(logits.reshape(-1, V), first.targets.reshape(-1))).backward()
    assert torch.sqrt(sum(p.grad.square().sum() for p in model.parameters())) > 100
    want = {k: (p - 1e-3 * p.grad).detach() for k, p in model.named_parameters()}
    model.zero_grad()

    def loud(model, batch, state):
        loss, n, carry = tbptt_lm_loss(model, batch, state)
        return 1000 * loss, n, carry

    cfg = TrainConfig(steps=1, optimizer="sgd", momentum=0.0, lr=1e-3, schedule="constant", clip=clip,
                      progress=False, verbose=False)
    Trainer(model, cfg, batches=StreamBatches(data, 2, window=10), loss_fn=loud, out_dir=None,
            model_config={"task": "test"}).fit()
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), want[name], msg=name)


def test_without_an_evaluation_the_final_model_is_the_best(tmp_path: Path) -> None:
    """No eval_fn: OUT/best holds the model as the run ends (the module's contract), for the task's object to load."""
    model = tiny_lm()
    cfg = TrainConfig(steps=3, progress=False, verbose=False, log_every=1)
    result = Trainer(model, cfg, batches=StreamBatches(tokens(200), 2, window=8), loss_fn=tbptt_lm_loss,
                     out_dir=tmp_path, model_config={"task": "test"}).fit()
    best = load_checkpoint(tmp_path)
    assert (result.best_step, best.path.name, best.trainer_state["best_step"]) == (3, "best", 3)
    for name, value in model.state_dict().items():
        assert torch.equal(best.model_state[name], value), name


def spiked_at(call: int, factor: float):
    """tbptt_lm_loss, with its ``call``-th loss (from 1) multiplied by ``factor`` (NaN poisons it)."""
    calls = {"n": 0}

    def loss_fn(model, batch, state):
        calls["n"] += 1
        loss, n, st = tbptt_lm_loss(model, batch, state)
        return (loss * factor if calls["n"] == call else loss), n, st
    return loss_fn


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path: Path) -> None:
    poisoned = spiked_at(6, float("nan"))

    trainer = make_trainer(tmp_path)
    trainer.loss_fn = poisoned
    with pytest.raises(TrainingDiverged) as err:
        trainer.fit()
    msg = str(err.value)
    assert err.value.step == 6 and "step 6" in msg and "--lr" in msg and "--clip" in msg
    assert "\n" not in msg
    last = load_checkpoint(tmp_path, prefer="last")
    assert last.trainer_state["step"] == 4
    assert all(torch.isfinite(t).all() for t in last.model_state.values())


@pytest.mark.parametrize(("clip", "cure"), [
    (None, "or gradient clipping (--clip 1.0); "),
    (5.0, "or stronger gradient clipping (--clip 1.0 instead of 5); "),
    (0.5, "instead of 0.01); the last"),  # clipping at 0.5 already: no clipping to suggest
])
def test_a_divergence_suggests_the_clipping_the_run_lacks(tmp_path: Path, clip: float | None, cure: str) -> None:
    """The divergence's cure is the patience stop's (one ``_cure``): it said '--clip 1.0' to a run clipping at 0.5."""
    trainer = make_trainer(tmp_path, clip=clip)
    trainer.loss_fn = spiked_at(6, float("nan"))
    with pytest.raises(TrainingDiverged) as err:
        trainer.fit()
    assert "try a lower learning rate (--lr 0.0025 instead of 0.01)" in str(err.value) and cure in str(err.value)


def test_a_fresh_run_that_fails_before_its_first_save_leaves_no_out_dir(tmp_path: Path) -> None:
    """A run that diverged (or ran out of memory) in its first steps left OUT with .lock and metrics.jsonl
    and no model: a folder that --resume refuses and that reads as a run."""
    trainer = make_trainer(tmp_path / "new" / "run")
    trainer.loss_fn = spiked_at(2, float("nan"))
    with pytest.raises(TrainingDiverged):
        trainer.fit()
    assert not (tmp_path / "new").exists()


def test_minutes_budget_stops(tmp_path: Path) -> None:
    result = make_trainer(tmp_path, steps=None, minutes=0.0005, eval_every=10_000).fit()
    assert result.stopped == "minutes" and result.steps >= 1
    assert (tmp_path / "best" / "model.safetensors").exists()
    # the budget's end evaluates the final model, as the last step does (none was due before it)
    last = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["step"] == result.steps == result.best_step and "val_loss" in last


# ------------------------------------------------------------------------------------------- checkpoints
def test_checkpoint_roundtrip_without_pickle(tmp_path: Path) -> None:
    model = tiny_lm()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.randint(0, V, (5, 2)))[0].sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c", model_state=model.state_dict(), config={"task": "t", "a": 1},
                    vocab={"chars": ["a"]}, trainer_state={"step": 3}, optimizer_state=opt.state_dict(),
                    tensors={"x": torch.arange(3)})
    files = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert files == ["config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors",
                     "state.safetensors", "trainer_state.json", "vocab.json"]
    for f in files:
        assert not (tmp_path / "c" / f).read_bytes().startswith(b"\x80")  # no pickle protocol header
    back = load_checkpoint(tmp_path / "c")
    assert back.config == {"task": "t", "a": 1} and back.trainer_state == {"step": 3}
    opt2 = torch.optim.Adam(tiny_lm(1).parameters(), lr=0.1)
    opt2.load_state_dict(back.optimizer_state)
    for s1, s2 in zip(opt.state.values(), opt2.state.values(), strict=True):
        assert torch.equal(s1["exp_avg"], s2["exp_avg"]) and torch.equal(s1["step"], s2["step"])
    assert torch.equal(back.tensors["x"], torch.arange(3))


def test_checkpoint_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tiny_lm()
    save_checkpoint(tmp_path / "c", model_state=model.state_dict(), config={"v": 1})

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt_mod, "save_file", broken)
    with pytest.raises(UserError, match=r"/c: cannot write \(disk full\); the previous checkpoint"):
        save_checkpoint(tmp_path / "c", model_state=model.state_dict(), config={"v": 2})
    assert load_checkpoint(tmp_path / "c").config == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # no temporary left behind


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads which file a descriptor is from /proc")
def test_every_file_of_a_checkpoint_reaches_the_disk_before_it_is_published(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename is durable before the data it names (ext4's delayed allocation): a power cut after it could publish
    empty files. Each file is fsync'ed before the folder is renamed into place, then the folder holding it."""
    import os

    synced: list[str] = []
    sync, publish = os.fsync, ckpt_mod.publish
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or sync(fd))

    def published(tmp: Path, path: Path) -> None:
        assert sorted(Path(f).name for f in synced) == sorted(p.name for p in tmp.iterdir())
        publish(tmp, path)

    monkeypatch.setattr(ckpt_mod, "publish", published)
    save_checkpoint(tmp_path / "c", model_state=tiny_lm().state_dict(), config={"v": 1}, vocab={"type": "test"})
    assert len(synced) == 5 and synced[-1] == str(tmp_path)  # config, model, vocab, trainer state; the folder


def test_bad_checkpoints_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        load_checkpoint(tmp_path / "missing")
    (tmp_path / "x").mkdir()
    with pytest.raises(UserError, match="not a model directory"):
        load_checkpoint(tmp_path / "x")
    (tmp_path / "x" / "config.json").write_text("{}")
    (tmp_path / "x" / "model.safetensors").write_bytes(b"\x80\x04garbage")
    with pytest.raises(UserError, match="safetensors"):
        load_checkpoint(tmp_path / "x")


def test_bf16_autocast_trains_and_saves_the_carry(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path, steps=4, precision="bf16", dropout=0.0)
    result = trainer.fit()
    assert math.isfinite(result.best_metric)
    last = load_checkpoint(tmp_path, prefer="last")
    assert last.tensors["carry.0"].shape == (2, 4, 12)
    assert all(t.dtype == torch.float32 for t in last.model_state.values())  # weights stay fp32


def test_minutes_alone_lifts_the_default_step_limit() -> None:
    import argparse

    from rnnkit.train.options import add_trainer_arguments, resolve_settings

    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    assert resolve_settings(parser.parse_args(["--minutes", "2"]), {"steps": 500})["steps"] is None
    both = resolve_settings(parser.parse_args(["--minutes", "2", "--steps", "9"]), {"steps": 500})
    assert both["steps"] == 9 and both["minutes"] == 2
    assert resolve_settings(parser.parse_args([]), {"steps": 500})["steps"] == 500


def test_a_resumed_run_that_leaves_the_plateau_schedule_drops_the_settings_it_inherited_for_it() -> None:
    """A plateau run's --plateau-patience (and --min-delta without --patience), inherited by a resumed run given
    --schedule cosine, was refused ('--plateau-patience 3: applies to --schedule plateau only'), and no flag
    unsets it; given in the command, or still applying, it stays."""
    import argparse
    from dataclasses import fields

    from rnnkit.train.options import TrainSettings, add_trainer_arguments, resolve_settings

    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    saved = {"schedule": "plateau", "plateau_patience": 3, "min_delta": 0.01, "gamma": 0.2}
    out = resolve_settings(parser.parse_args(["--schedule", "cosine"]), {}, saved)
    assert (out["schedule"], out["plateau_patience"], out["min_delta"], out["gamma"]) == ("cosine", None, 0.0, 0.2)
    TrainSettings(**{f.name: out[f.name] for f in fields(TrainSettings)}).validate_training()
    kept = resolve_settings(parser.parse_args(["--schedule", "cosine"]), {}, {**saved, "patience": 4})
    assert (kept["plateau_patience"], kept["min_delta"]) == (None, 0.01)     # early stopping still reads it
    given = resolve_settings(parser.parse_args(["--schedule", "cosine", "--plateau-patience", "2"]), {}, saved)
    assert given["plateau_patience"] == 2                                       # refused, as a fresh run's
    same = resolve_settings(parser.parse_args([]), {}, saved)
    assert (same["plateau_patience"], same["min_delta"]) == (3, 0.01)


def test_ctrl_c_finishes_the_step_and_saves_last(tmp_path: Path) -> None:
    import signal

    trainer = make_trainer(tmp_path, steps=12)
    inner = trainer.loss_fn
    calls = {"n": 0}

    def interrupting(model, batch, state):
        calls["n"] += 1
        if calls["n"] == 3:
            signal.raise_signal(signal.SIGINT)
        return inner(model, batch, state)

    trainer.loss_fn = interrupting
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN in a background job
    result = trainer.fit()
    assert result.stopped == "interrupted" and result.steps == 3
    assert load_checkpoint(tmp_path, prefer="last").trainer_state["step"] == 3
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


# ------------------------------------------------------------------------------------------- in memory, hooks
def test_in_memory_run_writes_nothing_and_equals_a_run_on_disk(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    on_disk = make_trainer(tmp_path / "disk", steps=8)
    on_disk.fit()
    monkeypatch.chdir(tmp_path / "disk")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    in_memory = make_trainer(None, steps=8)
    result = in_memory.fit()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # not a file written anywhere
    assert result.out_dir is None and result.steps == 8 and result.stopped == "steps"
    for name, value in on_disk.model.state_dict().items():
        assert torch.equal(in_memory.model.state_dict()[name], value), name
    rows = [json.loads(x) for x in (tmp_path / "disk" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in in_memory.history] == [r["step"] for r in rows] == [2, 4, 6, 8]
    assert [r["val_loss"] for r in in_memory.history if "val_loss" in r] == [r["val_loss"] for r in rows
                                                                             if "val_loss" in r]
    assert result.best_metric == min(r["val_loss"] for r in rows if "val_loss" in r)


def test_on_eval_ends_the_run_with_its_reason(tmp_path: Path) -> None:
    seen: list[int] = []

    def hook(record: dict) -> str | None:
        seen.append(record["step"])
        assert "val_loss" in record and "train_loss" in record
        return "enough" if record["step"] >= 8 else None

    result = make_trainer(tmp_path, steps=20, on_eval=hook).fit()
    assert seen == [4, 8] and result.stopped == "enough" and result.steps == 8
    assert load_checkpoint(tmp_path, prefer="last").trainer_state["step"] == 8


def test_blowup_with_on_diverge_stop_ends_the_run_without_raising(tmp_path: Path) -> None:
    exploding = spiked_at(5, 100.0)

    trainer = make_trainer(None, blowup=10.0, on_diverge="stop")
    trainer.loss_fn = exploding
    result = trainer.fit()
    assert result.stopped == "diverged" and result.steps == 4
    assert isinstance(result.diverged, TrainingDiverged) and result.diverged.step == 5
    assert "10x the first" in str(result.diverged)
    assert trainer.history[-1]["diverged"] == "training loss"
    quiet = make_trainer(None, steps=6, blowup=10.0)  # without the spike: no divergence
    assert quiet.fit().stopped == "steps"



def test_a_loss_function_with_a_progress_keyword_follows_the_run_and_its_resume(tmp_path: Path) -> None:
    seen: list[float] = []

    def loss_with_progress(model, batch, state, *, progress):
        seen.append(progress)
        return tbptt_lm_loss(model, batch, state)

    make_trainer(tmp_path, steps=8, halt_at=4, loss_fn=loss_with_progress).fit()
    resumed = make_trainer(tmp_path, steps=8, resume=load_checkpoint(tmp_path, prefer="last"),
                           loss_fn=loss_with_progress)
    resumed.fit()
    assert seen == [k / 8 for k in range(8)]  # the schedule's progress, continued across the resume


@pytest.mark.parametrize("cell", ["lstm", "rnn_tanh"])
def test_a_bf16_run_resumes_in_fp32(tmp_path: Path, cell: str) -> None:
    """The carried state of a bf16 run is saved in bf16; an fp32 resume (another machine, or --precision
    fp32) once handed it to the fp32 LSTM kernel, which refused it. (On a CPU without oneDNN's bf16 LSTM
    kernel the LSTM runs in fp32 and carries fp32; torch's Elman kernel carries bf16 on every CPU.)"""
    from rnnkit.recurrent import _cpu_lstm_kernel_takes

    make_trainer(tmp_path, steps=4, precision="bf16", dropout=0.0, cell=cell).fit()
    in_bf16 = cell != "lstm" or _cpu_lstm_kernel_takes(torch.bfloat16)
    carried = load_checkpoint(tmp_path, prefer="last").tensors["carry.0"].dtype
    assert carried == (torch.bfloat16 if in_bf16 else torch.float32)
    resumed = make_trainer(tmp_path, steps=8, precision="fp32", dropout=0.0, cell=cell,
                           resume=load_checkpoint(tmp_path, prefer="last"))
    assert resumed.fit().steps == 8


@pytest.mark.parametrize(("then", "kept"), [({"train": "a.txt", "val": "b.txt"}, True),
                                            ({"train": "c.txt", "val": "b.txt"}, True),
                                            ({"train": "a.txt", "val": "c.txt"}, False),
                                            ({"train": "a.txt"}, False)])
def test_a_run_resumed_on_other_validation_data_starts_a_new_best(tmp_path: Path, then: dict, kept: bool,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The best score of the old validation data stayed, so a resumed run on other data could never replace
    OUT/best however well it did. Another training file with the same validation file keeps it."""
    for name, text in (("a.txt", "one"), ("b.txt", "two"), ("c.txt", "three")):
        (tmp_path / name).write_text(text)
    where = {k: str(tmp_path / v) for k, v in then.items()}
    run = tmp_path / "run"
    make_trainer(run, halt_at=6, files={"train": str(tmp_path / "a.txt"), "val": str(tmp_path / "b.txt")}).fit()
    saved = load_checkpoint(run, prefer="last")
    resumed = make_trainer(run, files=where, resume=saved, verbose=True)
    assert (resumed.best_metric == saved.trainer_state["best_metric"]) is kept
    assert ("next evaluation replaces OUT/best" in capsys.readouterr().err) is not kept
    if not kept:
        assert resumed.best_metric is None and resumed.best_step is None


def test_other_validation_reads_digests_then_paths_then_names() -> None:
    from rnnkit.train.provenance import other_validation

    split = {"train": "t.csv", "digests": {"train": "1:aa"}}
    assert not other_validation(split, {**split, "train": "elsewhere/t.csv"})  # the same file, named otherwise
    assert other_validation(split, {"train": "t.csv", "digests": {"train": "2:bb"}})  # changed since
    folders = {"train": "corpus", "val": "v", "paths": {"val": "/x/v"}}
    assert other_validation(folders, {**folders, "paths": {"val": "/y/v"}})
    assert other_validation({"train": "polarity"}, {"train": "korean"})
    assert not other_validation({"train": "polarity"}, {"train": "polarity"})
    assert not other_validation(None, split)
    # a file then, a built-in corpus now (`--resume OUT --data bible-en-es` kept the best of the file's pairs)
    assert other_validation(split, {"train": "bible-en-es"})
    assert other_validation(split, {**split, "measure": "scored another way"})  # a run saved before the measure
    assert not other_validation({**split, "measure": "m"}, {**split, "measure": "m"})
    assert not other_validation({"train": "t.csv"}, split)  # saved before digests: cannot tell
    # the content a task validates on decides where both say it: a text, then its prepared folder (a path)
    text = {"train": "t.txt", "digests": {"train": "1:aa"}, "content": "c1"}
    assert not other_validation(text, {"train": "t.txt.rnnkit", "paths": {"train": "/x/t.txt.rnnkit"}, "content": "c1"})
    assert other_validation(text, {**text, "content": "c2"})
    assert other_validation(text, {**text, "content": "c1", "measure": "m"})   # the measure still comes first


def test_a_runs_data_record_digests_each_file_it_read_by_hand(tmp_path: Path) -> None:
    """``digests`` holds ``size:sha256`` of the first and last MiB of the training and of the validation file
    (a report checks the validation file it rebuilds against it), a folder only its absolute path."""
    import hashlib

    from rnnkit.train.provenance import with_digests

    small, big, folder = tmp_path / "t.csv", tmp_path / "v.csv", tmp_path / "corpus"
    head = b"text,label\n"
    small.write_bytes(head)
    body = bytes(range(256)) * (3 * 4096 + 7)                     # 3 MiB and a little: the middle is not read
    big.write_bytes(body)
    folder.mkdir()
    mib = 1 << 20
    record = with_digests({"train": str(small), "val": str(big), "note": 1})
    assert record["digests"] == {"train": f"11:{hashlib.sha256(head).hexdigest()}",
                                 "val": f"{len(body)}:{hashlib.sha256(body[:mib] + body[-mib:]).hexdigest()}"}
    assert record["paths"] == {"train": str(small.resolve()), "val": str(big.resolve())} and record["note"] == 1
    record = with_digests({"train": str(folder), "val": str(tmp_path / "missing.csv")})
    assert "digests" not in record and record["paths"] == {"train": str(folder.resolve())}


def test_a_resumed_run_finds_the_unchanged_copy_of_its_data_and_its_validation_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its recorded absolute path changed since, the copy under the name as given (a project moved with its data)
    is the run's data; and a resumed run given no data reads its own training and validation files."""
    from types import SimpleNamespace

    from rnnkit.train.provenance import data_sources, located, recorded_file, with_digests

    for name in ("old", "new"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.csv").write_text("text,label\nok,pos\n")
        (tmp_path / name / "v.csv").write_text("text,label\nfine,pos\n")
    monkeypatch.chdir(tmp_path / "old")
    record = with_digests({"train": "t.csv", "val": "v.csv"})
    (tmp_path / "old" / "t.csv").write_text("text,label\nchanged,neg\n")
    monkeypatch.chdir(tmp_path / "new")
    assert located(record, "train") == "t.csv" and recorded_file("run", record, "train", "--data") == "t.csv"
    assert located(record, "val") == str(tmp_path / "old" / "v.csv")     # unchanged where it was recorded
    run = SimpleNamespace(config={"data": record})
    assert data_sources(run, None, None, "no data") == ("t.csv", str(tmp_path / "old" / "v.csv"))
    assert data_sources(run, "mine.csv", "v2.csv", "no data") == ("mine.csv", "v2.csv")
    with pytest.raises(UserError, match="^no data$"):
        data_sources(None, None, None, "no data")


def test_a_runs_data_folder_is_its_data_without_a_digest(tmp_path: Path) -> None:
    """A corpus folder (speech, captioned images) is read through its own manifest and has no digest: a report
    reads it as recorded, where only a file must prove it is the one the run trained on."""
    from rnnkit.train.provenance import recorded_file, with_digests

    (tmp_path / "corpus").mkdir()
    record = with_digests({"train": str(tmp_path / "corpus")})
    assert recorded_file("run", record, "train", "--data") == str((tmp_path / "corpus").resolve())


def test_resume_refuses_another_optimizer_and_a_damaged_trainer_state(tmp_path: Path) -> None:
    make_trainer(tmp_path, steps=4, optimizer="adamw").fit()
    with pytest.raises(UserError, match="--optimizer sgd: the resumed run used adamw"):
        make_trainer(tmp_path, steps=8, optimizer="sgd", resume=load_checkpoint(tmp_path, prefer="last"))
    state = tmp_path / "last" / "trainer_state.json"
    good = json.loads(state.read_text())
    for key, value in [("step", "abc"), ("step", -5), ("data", {}), ("elapsed", "x"), ("best_metric", "x"),
                       ("carry", "banana"), ("lr_reductions", -3), ("plateau_evals", -1), ("patience_best", [None, 2]),
                       ("patience_best", ["NaN", 2]), ("patience_best", 1.5)]:
        state.write_text(json.dumps({**good, key: value}))
        with pytest.raises(UserError, match=r"last/trainer_state.json: ") as err:
            make_trainer(tmp_path, steps=8, optimizer="adamw", resume=load_checkpoint(tmp_path, prefer="last"))
        assert "\n" not in str(err.value)


def test_overwrite_discards_the_old_run_before_the_new_one_writes(tmp_path: Path) -> None:
    """A new run killed before its first save once left the old model in best/ beside its own metrics,
    and --resume then continued the old run."""
    make_trainer(tmp_path, steps=4).fit()

    def fails(*args, **kwargs):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        make_trainer(tmp_path, steps=4, overwrite=True, loss_fn=fails).fit()
    assert not (tmp_path / "best").exists() and not (tmp_path / "last").exists()
    assert list(tmp_path.iterdir()) == []  # nor the new run's metrics.jsonl: it failed before its first save


def test_resume_with_another_number_of_processes_is_refused(tmp_path: Path) -> None:
    """A two-process run's streams and carried states are split two ways: one process once took rank 0's
    carry on other data, silently."""
    make_trainer(tmp_path, steps=4).fit()
    state = tmp_path / "last" / "trainer_state.json"
    assert json.loads(state.read_text())["processes"] == 1
    state.write_text(json.dumps({**json.loads(state.read_text()), "processes": 2}))
    with pytest.raises(UserError, match=r"a run of 2 processes, resumed with 1 process; .* split 2 ways\), or train "
                                         r"a new run with another --out$"):
        make_trainer(tmp_path, steps=8, resume=load_checkpoint(tmp_path, prefer="last"))


def test_a_one_process_run_resumed_by_two_is_refused_in_good_english(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal read 'a run of 1 process(es), resumed with 2; ... split 1 ways'."""
    make_trainer(tmp_path, steps=4).fit()
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(UserError) as refused:
        make_trainer(tmp_path, steps=8, resume=load_checkpoint(tmp_path, prefer="last"))
    assert str(refused.value).endswith(": a run of 1 process, resumed with 2 processes; resume with as many "
                                       "processes as it had (its streams and carried state are one process's), or "
                                       "train a new run with another --out")


def test_metrics_jsonl_stays_json_when_the_loss_is_nan(tmp_path: Path) -> None:
    """A NaN loss was written as NaN, which jq and JSON.parse refuse: it is null now."""
    trainer = make_trainer(tmp_path, on_diverge="stop")
    trainer.loss_fn = spiked_at(5, float("nan"))
    assert trainer.fit().stopped == "diverged"

    def refuse(name: str) -> None:
        raise ValueError(name)
    rows = [json.loads(line, parse_constant=refuse) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["diverged"] == "training loss" and rows[-1]["train_loss"] is None


def test_strict_json_writes_null_for_nan_and_infinity_at_any_depth() -> None:
    from rnnkit import strictjson

    value = {"a": float("nan"), "b": [1.5, float("inf"), (float("-inf"), 2)], "c": {"d": 3, "e": "nan"}}
    assert json.loads(strictjson.dumps(value)) == {"a": None, "b": [1.5, None, [None, 2]], "c": {"d": 3, "e": "nan"}}


@pytest.mark.parametrize(("name", "value"), [("clip", -1.0), ("steps", -3), ("weight_decay", -1.0), ("beta2", 1.0),
                                             ("seed", 2**64), ("seed", -(2**63) - 1), ("blowup", -1.0),
                                             ("blowup", 0.0), ("blowup", 0.5), ("blowup", float("nan")),
                                             ("patience", 0), ("patience", -2), ("patience", 1.5),
                                             ("min_delta", -0.1), ("min_delta", float("nan")), ("min_delta", 0.5),
                                             ("plateau_patience", 0), ("plateau_patience", 2), ("accumulate", 0)])
def test_a_trainer_built_directly_checks_its_settings(name: str, value: object) -> None:
    """A negative clip flipped the gradient (clip_grad_norm_ scales by a negative factor) and the loss rose;
    negative steps ran none and reported 'steps'; a seed past torch's 64 bits was a traceback; a blowup under 1
    "diverged" at step 1 and 0 or NaN turned the blow-up check off without a word. The flags refused the others;
    TrainConfig did not."""
    from rnnkit.errors import SettingError

    with pytest.raises(SettingError, match=f"^{name} "):
        make_trainer(None, **{name: value})


@pytest.mark.parametrize("seed", [2**64 - 1, -(2**63)])
def test_augmenting_batches_take_any_seed_torch_takes(seed: int) -> None:
    """The batch's draws were seeded with seed * 1,000,003 + ...: a seed near torch's limits, which --seed
    takes, was a traceback (Overflow when unpacking long long) at the first batch of speech --spec-augment
    or caption --augment. The derived seed wraps to 64 bits as torch wraps a negative one."""
    from rnnkit.data.batching import FeatureBatches

    feats = [[torch.randn(12, 4)] for _ in range(4)]
    batches = FeatureBatches(feats, [[1], [2], [1, 2], [2, 1]], 2, seed,
                             augment={"freq_masks": 1, "freq_width": 2, "time_masks": 1, "time_width": 3})
    assert batches.next_batch()["feats"].shape[0] == 2
    small = FeatureBatches(feats, [[1]] * 4, 2, 3)  # a seed that fitted before draws as it did
    small.next_batch()
    expected = torch.Generator().manual_seed(3 * 1_000_003 + 1)
    assert torch.equal(small.batch_generator().get_state(), expected.get_state())


def test_the_closing_line_names_a_best_model_only_when_there_is_one(tmp_path: Path) -> None:
    """An interrupted classify run said "model in OUT/best" with no best/ written and no word of --resume."""
    from rnnkit.train.trainer import TrainResult

    result = TrainResult(None, None, "accuracy", 542, 3.2, 0, 0.0, "interrupted", tmp_path)
    assert result.model_dir() is None
    assert result.where() == (f"no evaluation yet, so no best model; the run is in {tmp_path / 'last'}; "
                              f"interrupted: continue with --resume {tmp_path}")
    (tmp_path / "best").mkdir()
    result.stopped = "steps"
    assert result.model_dir() == tmp_path / "best" and result.where() == f"model in {tmp_path / 'best'}"


def test_a_kill_between_the_saves_of_best_and_last_leaves_the_better_best_to_the_resumed_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """best/ is saved before last/; a kill between the two left last/'s record of the best one evaluation behind
    best/, and a run resumed from last/ (here for fewer steps) took its own worse evaluation for a better one and
    wrote that model over best/. The record is best/'s own."""
    inner = Trainer.save_last

    def killed(self: Trainer) -> None:
        if self.step == 8:
            raise SystemExit("killed")
        inner(self)

    with monkeypatch.context() as m:
        m.setattr(Trainer, "save_last", killed)
        with pytest.raises(SystemExit):
            make_trainer(tmp_path, steps=12).fit()
    best, last = (json.loads((tmp_path / d / "trainer_state.json").read_text()) for d in ("best", "last"))
    assert (best["best_step"], last["step"], last["best_step"]) == (8, 4, 4)
    assert best["best_metric"] < last["best_metric"]
    weights = (tmp_path / "best" / "model.safetensors").read_bytes()
    resumed = make_trainer(tmp_path, steps=6, resume=load_checkpoint(tmp_path, prefer="last"))
    result = resumed.fit()
    assert result.steps == 6 and resumed.last_eval["loss"] > best["best_metric"]  # worse than best/'s model
    assert (result.best_step, result.best_metric) == (8, best["best_metric"])
    assert (tmp_path / "best" / "model.safetensors").read_bytes() == weights
    assert load_checkpoint(tmp_path, prefer="last").trainer_state["best_step"] == 8


@pytest.mark.parametrize(("mode", "scores", "best_step"), [
    ("min", [2.0, 1.0, 1.0, 3.0], 4), ("max", [1.0, 2.0, 2.0, 0.5], 4), ("min", [math.nan, 2.0, math.inf], 4),
    ("max", [math.nan, 1.0, math.inf, -math.inf], 4),
])
def test_only_a_strictly_better_finite_evaluation_replaces_best(tmp_path: Path, mode: str, scores: list[float],
                                                                 best_step: int) -> None:
    """As Keras' ModelCheckpoint(save_best_only=True): an evaluation that ties the best keeps the earlier model, and
    a NaN or infinite one is never the best (one first would have stayed best for good)."""
    scored = iter(scores)
    model = tiny_lm()
    cfg = TrainConfig(steps=2 * len(scores), eval_every=2, mode=mode, progress=False, verbose=False, lr=0.01)
    result = Trainer(model, cfg, batches=StreamBatches(tokens(200), 2, window=8), loss_fn=tbptt_lm_loss,
                     eval_fn=lambda m: {"loss": next(scored)}, out_dir=tmp_path, model_config={"task": "test"}).fit()
    assert (result.best_step, result.best_metric) == (best_step, scores[best_step // 2 - 1])
    assert json.loads((tmp_path / "best" / "trainer_state.json").read_text())["best_step"] == best_step


def _scored_trainer(out: Path | None, scores: list[float], mode: str = "min", resume: bool = False,
                    **settings: object) -> Trainer:
    """A tiny run evaluated every 2 steps, its evaluations ``scores`` in turn."""
    scored = iter(scores)
    cfg = TrainConfig(**{"steps": 2 * len(scores), "eval_every": 2, "mode": mode, "progress": False,
                         "verbose": False, "lr": 0.01, **settings})
    return Trainer(tiny_lm(), cfg, batches=StreamBatches(tokens(200), 2, window=8), loss_fn=tbptt_lm_loss,
                   eval_fn=lambda m: {"loss": next(scored)}, out_dir=out, model_config={"task": "test"},
                   resume=load_checkpoint(out, prefer="last") if resume else None)


@pytest.mark.parametrize(("mode", "scores", "patience", "steps", "best_step"), [
    ("min", [3.0, 2.0, 2.5, 2.0, 2.6, 1.0, 0.5], 3, 10, 4),    # a tie is no better (as best/ keeps)
    ("min", [3.0, 2.0, 2.5, 1.5, 2.6, 2.7, 0.1], 2, 12, 8),    # the count starts again at each better one
    ("max", [0.5, 0.6, 0.6, 0.9, 0.7, 0.2, 0.1], 3, 14, 8),     # the last evaluation stops it, at the run's end too
    ("min", [math.nan, math.inf, 1.0, 0.5], 2, 4, None),         # evaluations never finite: no best, still counted
    ("min", [3.0, 2.0, 1.0, 0.5], 1, 8, 8),                      # always better: the run ends on its steps
])
def test_patience_stops_after_that_many_evaluations_in_a_row_no_better_than_the_best(
        tmp_path: Path, mode: str, scores: list[float], patience: int, steps: int, best_step: int | None) -> None:
    """Early stopping, as Keras' EarlyStopping(patience=N) and OpenNMT-py's -early_stopping N: the N-th evaluation
    in a row that does not beat the best (the rule best/ is kept by) ends the run, after saving last/."""
    result = _scored_trainer(tmp_path, scores, mode, patience=patience).fit()
    assert (result.steps, result.best_step) == (steps, best_step)
    assert result.stopped == ("steps" if steps == 2 * len(scores) and patience == 1 else "patience")
    assert load_checkpoint(tmp_path, prefer="last").trainer_state["step"] == steps


def test_patience_says_why_the_run_stopped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _scored_trainer(tmp_path, [2.0, 1.25, 3.0, 4.0], patience=2, verbose=True).fit()
    assert "stopping early: 2 evaluations in a row of val loss no better than step 4's 1.2500 (patience 2)" \
        in capsys.readouterr().err


def test_patience_on_evaluations_never_finite_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A first evaluation of NaN counts as no better (as Keras' EarlyStopping counts it: NaN < inf is false), so
    patience 1 stops there, with no best model: the lines said 'an evaluation of val loss none of them finite' and
    'no evaluation yet, so no best model', after an evaluation."""
    result = _scored_trainer(tmp_path, [math.nan, 2.0], patience=1, verbose=True).fit()
    assert (result.steps, result.stopped, result.best_step) == (2, "patience", None)
    assert "stopping early: an evaluation of val loss not finite (patience 1)" in capsys.readouterr().err
    assert result.where() == f"no finite evaluation, so no best model; the run is in {tmp_path / 'last'}"


@pytest.mark.parametrize(("scores", "clip", "line"), [
    ([math.nan, 2.0], 5.0, "an evaluation of val loss not finite (patience 1); val loss is NaN at step 2: the "
                           "model's outputs overflowed, training likely diverging; try a lower learning rate (--lr "
                           "0.0025 instead of 0.01) or stronger gradient clipping (--clip 1.0 instead of 5)"),
    ([1.0, math.inf], None, "an evaluation of val loss no better than step 2's 1.0000 (patience 1); val loss is inf "
                            "at step 4: the model's outputs overflowed, training likely diverging; try a lower "
                            "learning rate (--lr 0.0025 instead of 0.01) or gradient clipping (--clip 1.0)"),
    ([1.0, math.nan], 0.5, "an evaluation of val loss no better than step 2's 1.0000 (patience 1); val loss is NaN "
                           "at step 4: the model's outputs overflowed, training likely diverging; try a lower "
                           "learning rate (--lr 0.0025 instead of 0.01)\n"),
    ([1.0, 3.0], 5.0, "an evaluation of val loss no better than step 2's 1.0000 (patience 1)\n"),
])
def test_patience_stopped_by_a_nan_evaluation_says_it_is_nan_and_what_to_try(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], scores: list[float], clip: float | None,
        line: str) -> None:
    """An evaluation of NaN that stops the run at patience 1 was said to be 'not finite' or 'no better than' the
    best, the stop of a run that stopped improving; it names the NaN and the cure a diverged training loss names
    (Lightning's EarlyStopping(check_finite=True) also says the monitored value is not finite)."""
    _scored_trainer(tmp_path, scores, patience=1, verbose=True, clip=clip).fit()
    assert f"stopping early: {line}" in capsys.readouterr().err


def test_patience_and_the_plateau_schedule_say_one_evaluation_in_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At patience 1 the lines said '1 evaluations in a row'."""
    _scored_trainer(tmp_path / "a", [2.0, 3.0], patience=1, verbose=True).fit()
    _scored_trainer(tmp_path / "b", [2.0, 3.0, 1.0], schedule="plateau", plateau_patience=1, verbose=True).fit()
    err = capsys.readouterr().err
    assert "stopping early: an evaluation of val loss no better than step 2's 2.0000 (patience 1)" in err
    assert "lowering the learning rate to 0.005: an evaluation of val loss no better than step 2's 2.0000 " in err


def test_a_resumed_run_goes_on_counting_its_patience(tmp_path: Path) -> None:
    """The count of evaluations since the best is saved with the run: a run halted one evaluation into its
    patience stops one evaluation after its resume, as the run without the halt does."""
    scores = [2.0, 1.0, 1.5, 1.6, 1.7, 0.1]
    whole = _scored_trainer(tmp_path / "a", scores, patience=2).fit()
    _scored_trainer(tmp_path / "b", scores[:3], patience=2, steps=12, halt_at=6).fit()
    result = _scored_trainer(tmp_path / "b", scores[3:], resume=True, patience=2, steps=12).fit()
    assert (whole.steps, whole.stopped, whole.best_step) == (8, "patience", 4)
    assert (result.steps, result.stopped, result.best_step) == (8, "patience", 4)


@pytest.mark.parametrize(("mode", "scores", "min_delta", "steps", "stopped", "best_step"), [
    ("min", [3.0, 2.0, 1.995, 1.991, 1.9905, 1.0], 0.01, 10, "patience", 10),  # best/ still takes each small gain
    ("min", [3.0, 2.0, 1.995, 1.991, 1.9905, 1.0], 0.0, 12, "steps", 12),       # at 0 every better one counts
    ("min", [3.0, 2.0, 1.994, 1.988, 1.982, 1.976], 0.01, 12, "steps", 12),     # small gains add up: 2.0 - 1.982
    ("max", [0.5, 0.6, 0.605, 0.609, 0.6095, 0.9], 0.01, 10, "patience", 10),
    ("max", [0.5, 0.6, 0.605, 0.609, 0.611, 0.612, 0.613], 0.01, 14, "steps", 14),
])
def test_min_delta_counts_only_a_gain_larger_than_it_as_better(
        tmp_path: Path, mode: str, scores: list[float], min_delta: float, steps: int, stopped: str,
        best_step: int) -> None:
    """Keras' EarlyStopping(min_delta=...): patience counts an evaluation as better only when it beats the value
    the count last started from by more than min_delta, so gains smaller than it add up until they pass it; best/
    still keeps any strictly better one (Keras' ModelCheckpoint ignores min_delta)."""
    result = _scored_trainer(tmp_path, scores, mode, patience=3, min_delta=min_delta).fit()
    assert (result.steps, result.stopped, result.best_step) == (steps, stopped, best_step)


def _learning_rates(out: Path) -> list[float]:
    """The learning rate of each update, from metrics.jsonl (a run logged every step)."""
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r["lr"] for r in records if "lr" in r]


@pytest.mark.parametrize(("mode", "scores", "patience", "min_delta", "floor"), [
    ("min", [3.0, 2.0, 2.5, 2.6, 1.0, 1.0, 1.2, 0.9, 0.95, 0.97, 0.99, 0.98], 2, 0.0, 0.0),
    ("min", [3.0, 2.0, 1.995, 1.99, 1.985, 1.5, 1.49, 1.495, 1.4, 1.38, 1.39], 2, 0.01, 0.0),
    ("max", [0.5, 0.6, 0.55, 0.58, 0.7, 0.69, 0.68, 0.67, 0.66, 0.65, 0.64, 0.63, 0.62, 0.61, 0.6, 0.59, 0.58,
             0.57, 0.56, 0.55, 0.54], 3, 0.0, 0.2),
    ("min", [math.nan, 2.0, math.nan, math.inf, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0], 1, 0.0, 0.1),
])
def test_the_plateau_schedule_lowers_the_rate_as_torch_reduce_lr_on_plateau(
        tmp_path: Path, mode: str, scores: list[float], patience: int, min_delta: float, floor: float) -> None:
    """--schedule plateau against torch's own ReduceLROnPlateau fed the same evaluations (absolute threshold
    min_delta, no cooldown; torch's patience counts the evaluations it forgives, ours the one that lowers the rate,
    as Keras' does): the rate of every update after each evaluation, the floor and a tie or NaN as no better."""
    _scored_trainer(tmp_path, scores, mode, schedule="plateau", plateau_patience=patience, min_delta=min_delta,
                    gamma=0.5, min_lr_ratio=floor, log_every=1).fit()
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.01)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, factor=0.5, patience=patience - 1,
                                                         threshold=min_delta, threshold_mode="abs",
                                                         min_lr=0.01 * floor)
    expected = []
    for score in scores:
        expected += [optimizer.param_groups[0]["lr"]] * 2   # the two updates before each evaluation
        plateau.step(score)
    assert _learning_rates(tmp_path) == pytest.approx(expected, rel=1e-12)
    assert len(set(expected)) > 2   # the rate came down more than once


def test_a_resumed_plateau_run_keeps_its_lowered_rate_and_its_count(tmp_path: Path) -> None:
    """The reductions so far and the evaluations since the last one are saved with the run: halted and resumed,
    it trains at the rates the whole run does."""
    scores = [3.0, 2.0, 2.5, 2.6, 2.7, 2.8, 1.0, 2.0]
    settings = {"schedule": "plateau", "plateau_patience": 2, "log_every": 1, "steps": 16}
    _scored_trainer(tmp_path / "a", scores, **settings).fit()
    _scored_trainer(tmp_path / "b", scores[:5], halt_at=10, **settings).fit()
    _scored_trainer(tmp_path / "b", scores[5:], resume=True, **settings).fit()
    assert _learning_rates(tmp_path / "b") == _learning_rates(tmp_path / "a")
    assert _learning_rates(tmp_path / "a")[-1] == pytest.approx(0.01 / 4)


def test_the_plateau_schedule_says_when_it_lowers_the_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _scored_trainer(tmp_path, [2.0, 1.25, 3.0, 4.0], schedule="plateau", verbose=True).fit()
    assert ("lowering the learning rate to 0.005: 2 evaluations in a row of val loss no better than step 4's "
            "1.2500 (--schedule plateau)") in capsys.readouterr().err


def test_the_plateau_schedule_needs_a_validation(tmp_path: Path) -> None:
    cfg = TrainConfig(steps=4, schedule="plateau", progress=False, verbose=False)
    with pytest.raises(UserError, match="--schedule plateau lowers the learning rate when the validation score"):
        Trainer(tiny_lm(), cfg, batches=StreamBatches(tokens(200), 2, window=8), loss_fn=tbptt_lm_loss)


def test_patience_needs_a_validation(tmp_path: Path) -> None:
    """As the plateau schedule: a run of no validation (charlm's --val-fraction 0) given --patience trained to its
    end, its early stopping never read."""
    cfg = TrainConfig(steps=4, patience=2, min_delta=0.1, progress=False, verbose=False)
    with pytest.raises(UserError, match="^--patience 2 stops the run when the validation score stops improving; "
                                        "this run has no validation to evaluate$"):
        Trainer(tiny_lm(), cfg, batches=StreamBatches(tokens(200), 2, window=8), loss_fn=tbptt_lm_loss)


def test_min_delta_is_named_when_the_run_stops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _scored_trainer(tmp_path, [3.0, 2.0, 1.995, 1.991], patience=2, min_delta=0.01, verbose=True).fit()
    assert ("stopping early: 2 evaluations in a row of val loss no better than step 4's 2.0000 by more than 0.01 "
            "(patience 2)") in capsys.readouterr().err


def test_a_resumed_run_counts_its_patience_from_the_same_value(tmp_path: Path) -> None:
    """What patience counts from is saved with the run: after a resume the small gains since it still add up to
    it (2.0 at step 4) rather than to the best (1.995 at step 6): 1.989 is 0.011 better than the one, 0.006 than
    the other, so the count starts again there and the resumed run stops where the whole run does."""
    scores = [3.0, 2.0, 1.995, 1.989, 1.988, 1.987, 1.986]
    whole = _scored_trainer(tmp_path / "a", scores, patience=2, min_delta=0.01).fit()
    _scored_trainer(tmp_path / "b", scores[:3], patience=2, min_delta=0.01, steps=14, halt_at=6).fit()
    result = _scored_trainer(tmp_path / "b", scores[3:], resume=True, patience=2, min_delta=0.01, steps=14).fit()
    assert (whole.steps, whole.stopped, whole.best_step) == (12, "patience", 12)
    assert (result.steps, result.stopped, result.best_step) == (12, "patience", 12)


def test_a_run_that_ends_before_its_first_update_leaves_nothing_and_says_so(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget that ended before the first update left OUT with a metrics.jsonl alone, exit status 0 and a
    closing line that named OUT/last, never written; Ctrl-C there said 'interrupted: continue with --resume'."""
    out = tmp_path / "run"
    with pytest.raises(UserError, match=r"^the time budget \(1e-09 min\) ended before the first update, so there is "
                                        r"no model to save; give a larger --minutes$"):
        make_trainer(out, steps=None, minutes=1e-9).fit()
    assert not out.exists()
    trainer = make_trainer(out, steps=None, minutes=10.0)
    monkeypatch.setattr(trainer, "_update", lambda lr, progress: pytest.fail("an update after Ctrl-C"))
    monkeypatch.setattr(trainer, "_stop_reason_here", lambda: "interrupted")
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert not out.exists()
    result = make_trainer(None, steps=None, minutes=1e-9).fit()  # in memory (experiments, pre-training): as before
    assert result.steps == 0 and result.stopped == "minutes"
