"""Gaps a mutation audit of :mod:`rnnkit.train.trainer` found (round 10), checked against hand-worked numbers: a
linear model on fixed random rows trained a few steps through the Trainer, its evaluations scripted."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.train import TrainConfig, Trainer, load_checkpoint, seed_everything

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Rows:
    """An endless source of (x, y) batches cycling over fixed random rows; its position is saved."""

    def __init__(self, batch: int = 4, n: int = 16, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x, self.y = torch.randn(n, 3, generator=g), torch.randn(n, 1, generator=g)
        self.batch, self.pos = batch, 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        i = self.pos % (len(self.x) // self.batch) * self.batch
        self.pos += 1
        return self.x[i:i + self.batch], self.y[i:i + self.batch]

    def state_dict(self) -> dict[str, Any]:
        return {"pos": self.pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.pos = state["pos"]


def mse(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], state: Any) -> tuple[torch.Tensor, int, Any]:
    x, y = batch
    return ((model(x) - y) ** 2).sum(), len(x), None


def linear(seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(3, 1)


def trainer(out: Path | None, scores: list[float] | None = None, *, model: nn.Module | None = None,
            source: Rows | None = None, resume: bool = False, on_eval: Any = None, data: Any = None,
            **settings: Any) -> Trainer:
    """A run of the linear model evaluated every ``eval_every`` (default 1) steps, its evaluations ``scores``."""
    scored = iter(scores or [])
    cfg = TrainConfig(**{"steps": len(scores or [1]), "eval_every": 1, "log_every": 1, "progress": False,
                         "verbose": False, "optimizer": "sgd", "momentum": 0.0, "lr": 0.1, "clip": None,
                         "save_minutes": None, **settings})
    return Trainer(model or linear(), cfg, batches=source or Rows(), loss_fn=mse,
                   eval_fn=(lambda m: {"loss": next(scored)}) if scores is not None else None, out_dir=out,
                   model_config={"task": "test", **({"data": data} if data else {})}, on_eval=on_eval,
                   resume=load_checkpoint(out, prefer="last") if resume else None)


def rates(run: Trainer) -> list[float]:
    return [r["lr"] for r in run.history if "lr" in r]


def test_the_cosine_schedule_with_warmup_and_a_floor_gives_the_rates_worked_by_hand() -> None:
    """lr 0.1, 4 steps, warm-up 2, floor 0.2: update k has progress k/4, the cosine factor
    0.2 + 0.8 * (1 + cos(pi k/4)) / 2, times (k+1)/2 while warming up."""
    run = trainer(None, steps=4, warmup=2, min_lr_ratio=0.2, schedule="cosine")
    run.fit()
    assert rates(run) == pytest.approx([0.05, 0.1 * (0.2 + 0.4 * (1 + math.sqrt(0.5))), 0.06,
                                        0.1 * (0.2 + 0.4 * (1 - math.sqrt(0.5)))], rel=1e-9)


def test_the_step_schedule_halves_the_rate_every_step_every_updates() -> None:
    run = trainer(None, steps=5, schedule="step", step_every=2, gamma=0.5)
    run.fit()
    assert rates(run) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-12)


def test_the_schedule_follows_the_steps_when_they_are_further_along_than_the_clock() -> None:
    """Progress is the larger of steps done / steps and the clock's share of minutes: with a budget of 1000 minutes
    the steps lead, so the linear schedule falls by a quarter each of the 4 updates."""
    run = trainer(None, steps=4, minutes=1000.0, schedule="linear")
    run.fit()
    assert rates(run) == pytest.approx([0.1, 0.075, 0.05, 0.025], rel=1e-6)
    assert run.step == 4


class Clock:
    """A stand-in for the trainer's ``time`` module whose clock the loss function moves on 6 seconds a batch."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_a_minutes_budget_ends_the_run_and_drives_the_schedule_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each update takes 6 (fake) seconds: a budget of 1 minute ends after 10 updates, and the linear schedule
    reads the clock's share of the minute, 6k/60 at update k."""
    import rnnkit.train.trainer as module

    clock = Clock()
    monkeypatch.setattr(module, "time", clock)

    def slow(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, Any]:
        clock.now += 6.0
        return mse(model, batch, state)

    cfg = TrainConfig(steps=None, minutes=1.0, optimizer="sgd", momentum=0.0, lr=0.1, clip=None, schedule="linear",
                      log_every=1, progress=False, verbose=False, save_minutes=None)
    run = Trainer(linear(), cfg, batches=Rows(), loss_fn=slow)
    result = run.fit()
    assert (result.steps, result.stopped) == (10, "minutes")
    assert rates(run) == pytest.approx([0.1 * (1 - k / 10) for k in range(10)], rel=1e-9)


def saves_at(run: Trainer) -> list[int]:
    """Wrap ``run.save_last`` to list the steps it writes last/ at."""
    steps: list[int] = []
    save = run.save_last

    def counted() -> None:
        steps.append(run.step)
        save()

    run.save_last = counted  # type: ignore[method-assign]
    return steps


def test_save_every_writes_last_every_that_many_steps_and_at_the_end(tmp_path: Path) -> None:
    run = trainer(tmp_path, steps=7, save_every=3)
    steps = saves_at(run)
    run.fit()
    assert steps == [3, 6, 7]


def test_save_minutes_writes_last_every_that_many_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """6 (fake) seconds an update, --save-minutes 0.25: last/ every 15 seconds, so after updates 3, 6, 9 (18 s, 36 s,
    54 s: each 15 s or more after the one before), and at the end."""
    import rnnkit.train.trainer as module

    clock = Clock()
    monkeypatch.setattr(module, "time", clock)

    def slow(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, Any]:
        clock.now += 6.0
        return mse(model, batch, state)

    cfg = TrainConfig(steps=10, optimizer="sgd", lr=0.1, progress=False, verbose=False, save_minutes=0.25,
                      log_every=100)
    run = Trainer(linear(), cfg, batches=Rows(), loss_fn=slow, out_dir=tmp_path, model_config={"task": "test"})
    steps = saves_at(run)
    run.fit()
    assert steps == [3, 6, 9, 10]


def test_a_reason_from_on_eval_wins_over_patience_at_the_same_evaluation(tmp_path: Path) -> None:
    """The second evaluation is no better (patience 1 would stop there) and on_eval asks to stop there too: the
    run reports on_eval's reason, which the caller asked for."""
    run = trainer(tmp_path, [2.0, 3.0, 1.0], patience=1, on_eval=lambda r: "reached" if r["step"] == 2 else None)
    result = run.fit()
    assert (result.stopped, result.steps) == ("reached", 2)


def test_the_plateau_schedule_stops_lowering_the_rate_at_its_floor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """gamma 0.5, floor 0.25: two reductions reach the floor exactly (0.5 ** 2 = 0.25); the evaluations no better
    after that lower nothing and say nothing."""
    run = trainer(tmp_path, [1.0, 2.0, 2.0, 2.0, 2.0, 2.0], schedule="plateau", plateau_patience=1, gamma=0.5,
                  min_lr_ratio=0.25, verbose=True)
    run.fit()
    assert capsys.readouterr().err.count("lowering the learning rate") == 2
    assert run.lr_reductions == 2
    assert rates(run) == pytest.approx([0.1, 0.1, 0.05, 0.025, 0.025, 0.025], rel=1e-12)


def test_the_last_step_is_evaluated_once_in_the_record_of_its_training_loss(tmp_path: Path) -> None:
    """steps 3, eval_every 2: step 3 ends the run, so it is evaluated once, in the record with its train loss."""
    calls: list[int] = []
    run = trainer(None, [], steps=3, eval_every=2, log_every=100)
    run.eval_fn = lambda m: calls.append(run.step) or {"loss": 1.0 / run.step}
    run.fit()
    assert calls == [2, 3]
    assert [r["step"] for r in run.history] == [2, 3]
    assert all("train_loss" in r and "val_loss" in r for r in run.history)


def test_a_run_halted_between_evaluations_is_not_evaluated_at_the_halt(tmp_path: Path) -> None:
    """halt_at 3 with evaluations every 2: the halt saves last/ and evaluates nothing (the resumed run does, at its
    evaluations), so the third score is the resumed run's, at step 4."""
    scores = [3.0, 2.0, 1.0]
    first = trainer(tmp_path, scores, steps=6, eval_every=2, halt_at=3)
    assert first.fit().stopped == "halt_at"
    assert [r["step"] for r in first.history if "val_loss" in r] == [2]
    resumed = trainer(tmp_path, scores[1:], steps=6, eval_every=2, resume=True)
    result = resumed.fit()
    assert (result.best_step, result.best_metric) == (6, 1.0)
    assert [r["step"] for r in resumed.history if "val_loss" in r] == [4, 6]


def test_a_resumed_run_counts_save_every_from_the_step_it_resumed_at(tmp_path: Path) -> None:
    """--save-every 3 halted at 4 (saved at 3 and at the halt): the resumed run saves 3 steps after 4, at 7, and at
    its end, 10."""
    trainer(tmp_path, steps=10, save_every=3, halt_at=4).fit()
    run = trainer(tmp_path, steps=10, save_every=3, resume=True)
    steps = saves_at(run)
    run.fit()
    assert steps == [7, 10]


def test_a_resume_on_other_validation_data_counts_patience_afresh(tmp_path: Path) -> None:
    """Halted after an evaluation no better than the best (patience count 1 of 2), resumed on other validation data:
    the best and the count start again, so a NaN evaluation then counts 1 (no stop) and the next one is the best."""
    trainer(tmp_path, [1.0, 2.0, 0.0, 0.0], patience=2, halt_at=2, data={"measure": "a"}).fit()
    run = trainer(tmp_path, [math.nan, 5.0], steps=4, patience=2, resume=True, data={"measure": "b"})
    result = run.fit()
    assert (result.stopped, result.steps, result.best_step, result.best_metric) == ("steps", 4, 4, 5.0)


def test_last_records_the_step_of_the_best_evaluation(tmp_path: Path) -> None:
    trainer(tmp_path, [2.0, 1.0, 3.0, 4.0]).fit()
    state = load_checkpoint(tmp_path, prefer="last").trainer_state
    assert (state["step"], state["best_step"], state["best_metric"]) == (4, 2, 1.0)


def slow_run(out: Path | None, clock: Clock, **settings: Any) -> Trainer:
    """The linear model on a clock that each batch moves on 6 seconds."""

    def slow(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, Any]:
        clock.now += 6.0
        return mse(model, batch, state)

    cfg = TrainConfig(**{"optimizer": "sgd", "lr": 0.1, "progress": False, "verbose": False, "save_minutes": None,
                         "log_every": 1, **settings})
    return Trainer(linear(), cfg, batches=Rows(), loss_fn=slow, out_dir=out, model_config={"task": "test"},
                   resume=load_checkpoint(out, prefer="last") if out is not None and (out / "last").is_dir() else None)


def test_a_resumed_run_goes_on_with_its_clock_and_its_token_count(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget of 0.4 minutes (24 s) at 6 s an update, halted at 2 (12 s) and resumed: the resumed run has 12 s
    left, so it ends at step 4 on its minutes, 24 s and 4 x 4 rows in all."""
    import rnnkit.train.trainer as module

    clock = Clock()
    monkeypatch.setattr(module, "time", clock)
    assert slow_run(tmp_path, clock, steps=None, minutes=0.4, halt_at=2).fit().stopped == "halt_at"
    result = slow_run(tmp_path, clock, steps=None, minutes=0.4).fit()
    assert (result.stopped, result.steps, result.seconds, result.tokens) == ("minutes", 4, 24.0, 16)


def test_a_resumed_run_draws_what_the_whole_run_draws_from_python_numpy_and_torch(tmp_path: Path) -> None:
    """A loss that draws from Python's random, NumPy and torch: halted at 2 and resumed (after other draws), the
    weights are those of the run without the halt (each run seeded alike; linear() reseeds torch)."""
    import random

    import numpy as np

    def noisy(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, Any]:
        loss, n, _ = mse(model, batch, state)
        return loss * (1 + random.random()) * (1 + float(np.random.rand())) * (1 + torch.rand(()).item()), n, None

    def run(out: Path, **settings: Any) -> Trainer:
        cfg = TrainConfig(steps=4, optimizer="sgd", lr=0.1, clip=None, progress=False, verbose=False, save_minutes=None,
                          **settings)
        resume = load_checkpoint(out, prefer="last") if (out / "last").is_dir() else None
        return Trainer(linear(), cfg, batches=Rows(), loss_fn=noisy, out_dir=out, model_config={"task": "test"},
                       resume=resume)

    seed_everything(5)
    whole = run(tmp_path / "a")
    whole.fit()
    seed_everything(5)
    run(tmp_path / "b", halt_at=2).fit()
    random.random(), np.random.rand(), torch.rand(3)   # other draws between the two runs
    resumed = run(tmp_path / "b")
    resumed.fit()
    for mine, theirs in zip(resumed.model.parameters(), whole.model.parameters(), strict=True):
        assert torch.equal(mine, theirs)


def test_a_resumed_run_logs_each_step_once(tmp_path: Path) -> None:
    trainer(tmp_path, steps=4, halt_at=2).fit()
    trainer(tmp_path, steps=4, resume=True).fit()
    lines = (tmp_path / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4]


def test_the_logged_loss_grad_norm_and_clipped_share_are_those_worked_by_hand() -> None:
    """lr 0 (the weights stay), two updates a record: train_loss is the mean squared error over the 8 rows of both
    batches, grad_norm the second batch's gradient norm and clipped the share of updates clipped (clip 1e-6: all)."""
    source, model = Rows(), linear()
    expected_loss, norms = 0.0, []
    for i in range(2):
        x, y = source.x[4 * i:4 * i + 4], source.y[4 * i:4 * i + 4]
        loss = ((model(x) - y) ** 2).sum()
        expected_loss += loss.item()
        grads = torch.autograd.grad(loss / 4, list(model.parameters()))
        norms.append(torch.cat([g.flatten() for g in grads]).norm().item())
    run = trainer(None, model=model, steps=2, lr=0.0, log_every=2, clip=1e-6)
    run.fit()
    (record,) = run.history
    assert record["train_loss"] == pytest.approx(expected_loss / 8, rel=1e-6)
    assert record["grad_norm"] == pytest.approx(norms[1], rel=1e-5)
    assert record["grad_norm_mean"] == pytest.approx(sum(norms) / 2, rel=1e-5)
    assert record["clipped"] == 1.0


def test_eval_fn_sees_the_model_in_evaluation_mode() -> None:
    seen: list[bool] = []
    run = trainer(None, [], steps=2)
    run.eval_fn = lambda m: seen.append(m.training) or {"loss": 1.0}
    run.fit()
    assert seen == [False, False] and run.model.training


def test_only_the_plateau_schedule_lowers_the_rate(capsys: pytest.CaptureFixture[str]) -> None:
    run = trainer(None, [1.0, 2.0, 3.0, 4.0], schedule="constant", verbose=True, plateau_patience=None)
    run.fit()
    assert "lowering the learning rate" not in capsys.readouterr().err
    assert run.lr_reductions == 0


def test_the_last_step_is_logged_between_log_steps() -> None:
    run = trainer(None, steps=3, log_every=2)
    run.fit()
    assert [r["step"] for r in run.history] == [2, 3]


def test_a_resumed_run_without_validation_keeps_its_final_model_as_best(tmp_path: Path) -> None:
    """No eval_fn: the final model is the best; halted at 2 (best/ at 2) and resumed to 4, best/ holds step 4's."""
    trainer(tmp_path, steps=4, halt_at=2).fit()
    run = trainer(tmp_path, steps=4, resume=True)
    result = run.fit()
    best = load_checkpoint(tmp_path, prefer="best")
    assert (result.best_step, best.trainer_state["step"]) == (4, 4)
    for name, value in run.model.state_dict().items():
        assert torch.equal(best.model_state[name], value)


def test_the_result_keeps_the_whole_evaluation_of_the_best_step(tmp_path: Path) -> None:
    """best_eval (and at_best) is the evaluation of the best step, not of the first or the last one."""
    evaluations = iter([{"loss": 2.0, "acc": 0.5}, {"loss": 1.0, "acc": 0.7}, {"loss": 3.0, "acc": 0.9}])
    run = trainer(tmp_path, [], steps=3)
    run.eval_fn = lambda m: next(evaluations)
    result = run.fit()
    assert (result.best_step, result.best_eval, result.at_best("acc")) == (2, {"loss": 1.0, "acc": 0.7}, 0.7)
    assert load_checkpoint(tmp_path, prefer="best").trainer_state["best_eval"] == {"loss": 1.0, "acc": 0.7}


@pytest.mark.parametrize(("acc", "stopped", "best"), [(0.6, "patience", (3, 2, 0.7)), (0.8, "patience", (4, 3, 0.8))])
def test_a_run_resumed_keeping_by_another_score_counts_patience_from_its_best_under_that_score(
        tmp_path: Path, acc: float, stopped: str, best: tuple[int, int, float]) -> None:
    """Kept by loss, its best (step 2, loss 1.0) had acc 0.7; resumed keeping by acc (max) with patience 1, an acc
    of 0.6 is no better than that 0.7 (the run stops there, best/ still step 2's), one of 0.8 is better (not
    measured against the loss of 1.0), and the 0.1 after it stops the run."""
    evaluations = iter([{"loss": 2.0, "acc": 0.5}, {"loss": 1.0, "acc": 0.7}, {"loss": 3.0, "acc": acc},
                        {"loss": 3.0, "acc": 0.1}])
    first = trainer(tmp_path, [], steps=4, halt_at=2)
    first.eval_fn = lambda m: next(evaluations)
    first.fit()
    run = trainer(tmp_path, [], steps=4, resume=True, metric="acc", mode="max", patience=1)
    run.eval_fn = lambda m: next(evaluations)
    result = run.fit()
    assert (result.stopped, result.steps, result.best_step, result.best_metric) == (stopped, *best)


def test_without_clipping_no_gradient_is_clipped_however_large() -> None:
    """clip None: a gradient norm over a million (the loss scaled by 1e9, lr 0) is left as it is and not counted
    as clipped."""

    def huge(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, Any]:
        loss, n, _ = mse(model, batch, state)
        return loss * 1e9, n, None

    cfg = TrainConfig(steps=1, optimizer="sgd", lr=0.0, clip=None, log_every=1, progress=False, verbose=False,
                      save_minutes=None)
    run = Trainer(linear(), cfg, batches=Rows(), loss_fn=huge)
    run.fit()
    (record,) = run.history
    assert record["grad_norm"] > 1e6 and record["clipped"] == 0.0


@pytest.mark.parametrize("scores", [None, []])
def test_a_run_halted_before_its_first_step_saves_no_model(tmp_path: Path, scores: list[float] | None) -> None:
    """halt_at 0: nothing was trained, so neither best/ nor last/ is written (with or without validation)."""
    result = trainer(tmp_path, scores, steps=4, halt_at=0).fit()
    assert (result.stopped, result.steps) == ("halt_at", 0)
    assert not (tmp_path / "best").exists() and not (tmp_path / "last").exists()


def test_a_checkpoint_without_last_eval_step_was_evaluated_at_its_step(tmp_path: Path) -> None:
    """A trainer_state.json of an older rnnkit has last_eval but no last_eval_step: its evaluation was at its step,
    so a run resumed at its end evaluates nothing again."""
    trainer(tmp_path, [2.0, 1.0]).fit()
    path = tmp_path / "last" / "trainer_state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    assert state.pop("last_eval_step") == 2 and state["last_eval"] == {"loss": 1.0}
    path.write_text(json.dumps(state), encoding="utf-8")
    calls: list[int] = []
    run = trainer(tmp_path, [], steps=2, resume=True)
    run.eval_fn = lambda m: calls.append(run.step) or {"loss": 5.0}
    result = run.fit()
    assert (calls, result.best_metric, result.last_eval) == ([], 1.0, {"loss": 1.0})


def test_a_resumed_run_without_validation_is_not_refused_for_its_patience(tmp_path: Path) -> None:
    """--patience without validation is refused for a fresh run only: a run saved with it resumes (no flag unsets
    an inherited --patience) and trains to its end."""
    trainer(tmp_path, steps=4, halt_at=2).fit()
    result = trainer(tmp_path, steps=4, patience=2, resume=True).fit()
    assert (result.stopped, result.steps) == ("steps", 4)
