"""rnnkit.train.trainer: what a resumed run takes back from trainer_state.json (the interval's sums, the first
loss) and what every train --json line ends with (run_summary) (mutation audit round 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train import TrainConfig, Trainer
from rnnkit.train.checkpoint import load_checkpoint
from rnnkit.train.trainer import TrainResult, run_summary
from tests import test_train as tt


def trainer(out: Path, losses: list[float], resume: bool = False, hooks: dict | None = None, **cfg) -> Trainer:
    """A run whose update ``i`` has the loss ``losses[i]`` (one item each), its weights never moving; ``hooks``:
    the Trainer's ``eval_fn`` and ``on_eval``."""

    def scripted(m: torch.nn.Module, batch: int, state: None) -> tuple:
        return m.weight.sum() * 0 + losses[batch], 1, None

    config = TrainConfig(**{"steps": len(losses), "optimizer": "sgd", "lr": 0.0, "schedule": "constant",
                            "blowup": 2.0, "on_diverge": "stop", "progress": False, "verbose": False, **cfg})
    return Trainer(torch.nn.Linear(1, 1, bias=False), config, batches=tt._ListBatches(list(range(len(losses)))),
                   loss_fn=scripted, out_dir=out, model_config={"task": "test"},
                   resume=load_checkpoint(out, prefer="last") if resume else None, **(hooks or {}))


def damage(out: Path, **fields) -> None:
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), **fields}))


def test_a_resumed_run_takes_back_every_sum_of_the_interval(tmp_path: Path) -> None:
    """The seconds too: the next record's tokens_per_s divides the interval's items by them."""
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, interval={"loss": 4.0, "items": 2, "norms": [0.5, 0.25], "clipped": 1, "seconds": 0.75})
    resumed = trainer(out, [3.0, 1.0, 1.0, 1.0], resume=True).interval
    assert (resumed.loss, resumed.items, resumed.norms, resumed.clipped, resumed.seconds) == (4.0, 2, [0.5, 0.25],
                                                                                            1, 0.75)


def test_the_save_at_an_evaluation_holds_none_of_the_updates_its_record_logged(tmp_path: Path) -> None:
    """An evaluation saves last/ after its record: a run resumed from that save counted the record's updates
    again in its next record, where the unbroken run counted them once."""
    out, saved = tmp_path / "run", []

    def on_eval(record: dict) -> None:
        saved.append(json.loads((out / "last" / "trainer_state.json").read_text())["interval"])

    hooks = {"eval_fn": lambda m: {"loss": 1.0}, "on_eval": on_eval}
    assert trainer(out, [3.0, 1.0, 1.0, 1.0], hooks=hooks, eval_every=2, log_every=2).fit().stopped == "steps"
    assert saved == [{"loss": 0.0, "items": 0, "norms": [], "clipped": 0, "seconds": 0.0}] * 2


def test_the_last_step_is_logged_off_the_log_interval(tmp_path: Path) -> None:
    """A run of 3 steps logging every 2 ends with a record of step 3 (the updates since step 2), evaluated or not."""
    trainer(tmp_path, [3.0, 1.0, 2.0], log_every=2).fit()
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [(r["step"], r["train_loss"]) for r in records] == [(2, 2.0), (3, 2.0)]


def test_a_first_loss_of_zero_is_kept_as_the_unbroken_run_keeps_it(tmp_path: Path) -> None:
    """A first loss of 0 has no multiple to grow past: the unbroken run trains through a later loss of 5, and so
    must the resumed one, not take its first update after the resume (1) for the first loss."""
    losses = [0.0, 1.0, 1.0, 5.0]
    assert trainer(tmp_path / "straight", losses).fit().stopped == "steps"
    trainer(tmp_path / "run", losses, halt_at=2).fit()
    resumed = trainer(tmp_path / "run", losses, resume=True)
    assert resumed.first_loss == 0.0
    assert resumed.fit().stopped == "steps"


@pytest.mark.parametrize("interval", [{}, {"loss": 1.0, "items": 2, "norms": [0.5], "clipped": -1, "seconds": 0.5}])
def test_an_empty_or_negative_interval_is_refused_naming_the_file(tmp_path: Path, interval: dict) -> None:
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, interval=interval)
    with pytest.raises(UserError, match=r"last/trainer_state.json: not the state of a run"):
        trainer(out, [3.0, 1.0, 1.0], resume=True)


def result(out: Path, seconds: float, tokens_per_s: float) -> TrainResult:
    return TrainResult(best_metric=None, best_step=None, metric="loss", steps=3, seconds=seconds, tokens=600,
                       tokens_per_s=tokens_per_s, stopped="minutes", out_dir=out)


def test_the_summary_rounds_seconds_to_2_places_and_the_speed_to_1(tmp_path: Path) -> None:
    (tmp_path / "best").mkdir()
    assert run_summary(result(tmp_path, 1.2345, 480.04)) == {
        "steps": 3, "seconds": 1.23, "tokens_per_s": 480.0, "stopped": "minutes", "model_dir": str(tmp_path / "best")}
    assert run_summary(result(tmp_path, 1.0, 480.46))["tokens_per_s"] == 480.5


def test_the_summary_of_a_run_with_no_best_names_no_model_directory(tmp_path: Path) -> None:
    assert run_summary(result(tmp_path, 1.0, 2.0))["model_dir"] is None


@pytest.mark.parametrize("sums", [{"loss": float("nan")}, {"loss": float("inf")}, {"seconds": -1.0},
                                  {"seconds": float("nan")}, {"norms": [0.5, float("nan")]}, {"clipped": 3}])
def test_an_interval_no_run_saves_is_refused_naming_the_file(tmp_path: Path, sums: dict) -> None:
    """A NaN loss in the interval was logged as the next record's train loss (null), negative seconds as a speed
    in the billions, 3 clipped updates of 2 as a clipped share over the true one: none refused."""
    out = tmp_path / "run"
    trainer(out, [3.0, 1.0, 1.0], halt_at=2).fit()
    damage(out, interval={"loss": 4.0, "items": 2, "norms": [0.5, 0.5], "clipped": 1, "seconds": 0.5, **sums})
    with pytest.raises(UserError, match=r"last/trainer_state.json: not the state of a run \(ValueError: interval"):
        trainer(out, [3.0, 1.0, 1.0], resume=True)
