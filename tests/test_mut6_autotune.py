"""The settings search (rnnkit.train.autotune): what the other tests left open, found by a mutation audit."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rnnkit.errors import UserError
from rnnkit.train.autotune import Trial, _Clock, _Updates, perturb, plan, search
from rnnkit.train.trainer import TrainingDiverged, TrainResult


def _trial(score: float | None, loss: float | None = None, count: int | None = None, **kw: Any) -> Trial:
    return Trial(kw.pop("number", 1), kw.pop("kind", "preset"), kw.pop("settings", {}), score, kw.pop("steps", 0),
                 kw.pop("seconds", 0.0), "steps", loss=loss, count=count, **kw)


def test_a_failed_trial_beats_nothing_not_even_no_trial() -> None:
    failed = _trial(None)
    assert not failed.beats(None) and not failed.beats(_trial(0.1)) and not failed.beats(_trial(None))
    assert _trial(0.0).beats(None) and _trial(0.0).beats(failed)


@pytest.mark.parametrize("mine, other, wins", [
    ((0.8, None), (0.7, 0.1), True),     # a higher score wins whatever the losses
    ((0.7, 0.1), (0.8, 0.9), False),
    ((0.8, 0.4), (0.8, 0.5), True),      # a tie goes to the lower loss
    ((0.8, 0.5), (0.8, 0.5), False),     # ... only a strictly lower one
    ((0.8, 0.5), (0.8, 0.4), False),
    ((0.8, None), (0.8, 0.5), False),    # ... and only when both are known
    ((0.8, 0.5), (0.8, None), False),
])
def test_beats_is_a_higher_score_then_a_strictly_lower_known_loss(mine: tuple, other: tuple, wins: bool) -> None:
    assert _trial(*mine).beats(_trial(*other)) is wins


def test_a_clear_win_is_by_the_agresti_coull_error_of_the_other_s_count_plus_four() -> None:
    """0.5 on 10 texts: p = (5 + 2) / 14 = 0.5, two standard errors 2 x sqrt(0.25 / 14) = 0.2673; 0.77 clears
    it, 0.765 does not (with two texts added, not four, the margin was 0.2846 and 0.77 fell short)."""
    best = _trial(0.5, count=10)
    assert _trial(0.77).clearly_beats(best) and not _trial(0.765).clearly_beats(best)
    assert not _trial(None).clearly_beats(best)


def test_plan_caps_the_trials_at_sixteen_and_gives_each_preset_one() -> None:
    """10,000 s: 6,500 for the trials, 541 slices of 12 s capped at 16 (406.25 s each); 30 s: 19.5 for the
    trials, one slice of 12 s would fit but five presets get 3.9 s each."""
    assert plan(10_000.0, 5) == (6500.0, 6500.0 / 16)
    assert plan(30.0, 5) == (pytest.approx(19.5), pytest.approx(3.9))
    assert plan(0.0, 0) == (0.0, 0.0)


def test_perturb_changes_one_setting_or_two_never_one_with_a_single_value() -> None:
    space = {"a": [1, 2, 3], "b": ["x", "y"], "c": [0.1, 0.2, 0.3], "d": ["only"]}
    base = {"a": 1, "b": "x", "c": 0.1, "d": "only"}
    rng = random.Random(0)
    counts = set()
    for _ in range(100):
        new = perturb(base, space, {}, rng, [])
        assert new["d"] == "only"
        counts.add(sum(new[k] != base[k] for k in space))
    assert counts == {1, 2}


def test_perturb_keeps_away_from_settings_tried_or_invalid_and_sets_the_fixed_ones() -> None:
    space = {"a": [1, 2, 3], "b": ["x", "y"]}
    for seed in range(20):
        rng = random.Random(seed)
        assert perturb({"a": 1, "b": "x"}, space, {"b": "x"}, rng, [{"a": 2, "b": "x"}]) == {"a": 3, "b": "x"}
        assert perturb({"a": 1, "b": "x"}, space, {"b": "x"}, rng, [], valid=lambda s: s["a"] != 2) == \
            {"a": 3, "b": "x"}
        assert perturb({"a": 1, "b": "x"}, space, {"b": "y"}, rng, [])["b"] == "y"   # fixed wins over the base


def test_the_clock_s_overhead_is_the_largest_after_the_first_training_and_never_negative() -> None:
    clock = _Clock(100.0)
    assert clock.overhead == 0.0
    assert clock.charge(5.0, 2.0, trained=True) == 3.0 and clock.overhead == 3.0   # the first alone: its own
    assert clock.charge(1.0, 2.0, trained=True) == 0.0                             # quicker than its slice: none
    assert clock.charge(4.0, 2.0, trained=False) == 0.0                            # a failure is no yardstick
    assert clock.overhead == 0.0                                                   # the first left out
    assert clock.charge(3.5, 2.0, trained=True) == 1.5 and clock.overhead == 1.5
    assert clock.slice(0.0) == 0.05 and clock.slice(3.0) == 3.0
    assert clock.limit(30.0) == {"minutes": 0.5}


def test_updates_slices_are_whole_and_the_final_run_only_when_longer_than_the_best_trial() -> None:
    updates = _Updates(100)
    assert updates.slice(0.4) == 1 and updates.slice(7.9) == 7 and updates.limit(7.9) == {"steps": 7}
    updates.charge(0.0, 60, trained=False)   # a failed trial spends its slice too
    assert updates.left() == 40 and updates.left(50) == -10
    assert updates.final(_trial(0.5, steps=40)) is None
    assert updates.final(_trial(0.5, steps=39)) == 40


def test_a_search_needs_exactly_one_budget(tmp_path: Path) -> None:
    for budgets in ({}, {"budget_s": 1.0, "budget_steps": 10}):
        with pytest.raises(ValueError, match="give one of budget_s and budget_steps"):
            search(lambda *a: None, presets=[{}], space={}, fixed={}, seed=0, out=tmp_path,  # type: ignore[arg-type]
                   record=tmp_path / "r.jsonl", **budgets)


def _scored_run(log: list, clock: Any = None) -> Any:
    """A stand-in training scored by its settings (h high, d and w low); it notes the trial folders beside its own
    and, with a fake ``clock``, takes its slice of seconds and 3 more the first time, 1 more later."""
    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        log.append((dict(settings), limit, sorted(p.name for p in where.parent.glob("trial-*"))))
        if clock is not None:
            clock.now += limit["minutes"] * 60 + (3.0 if len(log) == 1 else 1.0)
        (where / "best").mkdir(parents=True, exist_ok=True)
        score = settings["h"] / 10 - settings["d"] / 100 - settings["w"] / 1000
        return TrainResult(score, 1, "accuracy", limit.get("steps", 1), 0.0, 1, 1.0, "steps", where)
    return run


SPACE3 = {"h": [1, 2, 3], "d": [0, 1, 2], "w": [0, 1, 2]}
PRESETS3 = [{"h": 1, "d": 2, "w": 2}, {"h": 2, "d": 1, "w": 1}]


@pytest.mark.parametrize("seed", range(4))
def test_perturbations_start_from_the_best_settings_so_far_and_only_its_folder_is_kept(
        tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import autotune

    monkeypatch.setattr(autotune, "warm_up", lambda: None)
    log: list = []
    found = search(_scored_run(log), budget_steps=8000, presets=PRESETS3, space=SPACE3, fixed={}, seed=seed,
                   out=tmp_path / "out", record=tmp_path / "out" / "autotune.jsonl")
    trials = [t for t in found.trials if t.kind != "final"]
    assert len(trials) == 13 and [t.kind for t in trials[:2]] == ["preset", "preset"]
    best = None
    for k, trial in enumerate(trials):
        if trial.kind == "perturbation":
            assert 1 <= sum(trial.settings[key] != best.settings[key] for key in SPACE3) <= 2
        kept = log[k][2]
        assert kept == ([] if best is None else [f"trial-{best.number}"])   # the best's folder alone, before it
        best = trial if trial.beats(best) else best
    assert found.best == best.settings


def test_a_clocked_search_plans_and_ends_its_trials_after_the_warm_up(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    """110 s, 10 of them warming up: the trials share 65 % of the 100 left (65 s, five slices of 13 s, from 10 s
    to 75 s). Each takes 1 s beyond its slice (the first 3 s): the first ends at 26 s, the next three at 40, 54
    and 68 s; a fifth would get the 6 s left to 75 s less the 1 s overhead, under half a slice, so the trials
    end there. The best is the first (h 3), so the final run gets the 42 s left less that trial's 3 s."""
    from rnnkit.train import autotune

    clock = SimpleNamespace(now=0.0)
    clock.perf_counter = lambda: clock.now
    monkeypatch.setattr(autotune, "time", clock)

    def warm_up() -> None:
        clock.now += 10.0

    monkeypatch.setattr(autotune, "warm_up", warm_up)
    log: list = []
    found = search(_scored_run(log, clock), budget_s=110.0, presets=[{"h": 3, "d": 0, "w": 0}], space=SPACE3,
                   fixed={}, seed=0, out=tmp_path / "out", record=tmp_path / "out" / "autotune.jsonl")
    assert [round(limit["minutes"] * 60, 6) for _, limit, _ in log] == [13.0] * 4 + [39.0]
    assert [t.kind for t in found.trials] == ["preset"] + ["perturbation"] * 3 + ["final"]
    assert clock.now == 108.0   # 68 s + 39 + its 1 s overhead: inside the 110


def test_the_clock_s_final_run_comes_only_when_longer_than_the_best_trial_s_training(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The best trial took 15 s, 3 of them overhead (12 s of training): at 80 s of 100 the final run gets
    100 - 80 - 3 = 17 s; at 86 s the 11 s left are no longer than that trial's 12, so there is none."""
    from rnnkit.train import autotune

    clock = SimpleNamespace(now=0.0)
    clock.perf_counter = lambda: clock.now
    monkeypatch.setattr(autotune, "time", clock)
    budget = _Clock(100.0)
    best = _trial(0.5, seconds=15.0, overhead=3.0)
    clock.now = 80.0
    assert budget.final(best) == 17.0 and budget.left() == 20.0 and budget.left(90.0) == 10.0
    clock.now = 86.0
    assert budget.final(best) is None


def test_a_search_ends_when_no_new_settings_are_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import autotune

    monkeypatch.setattr(autotune, "warm_up", lambda: None)
    log: list = []
    found = search(_scored_run(log), budget_steps=10_000, presets=[{"h": 1}], space={"h": [1, 2]},
                   fixed={"d": 0, "w": 0}, seed=0, out=tmp_path / "out", record=tmp_path / "out" / "autotune.jsonl")
    assert [t.settings["h"] for t in found.trials] == [1, 2, 2] and found.trials[-1].kind == "final"


def _failing_at(calls: set[int], error: type) -> Any:
    """_scored_run, raising ``error`` at the calls numbered in ``calls`` (1 the first)."""
    log: list = []
    run = _scored_run(log)

    def failing(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        if len(log) + 1 in calls:
            log.append(None)
            raise error("loss is nan", step=1) if error is TrainingDiverged else error("a setting is wrong")
        return run(settings, limit, where)
    return failing


@pytest.mark.parametrize("calls, error", [({1}, TrainingDiverged), ({2}, UserError), ({2, 3}, TrainingDiverged)])
def test_a_diverged_first_trial_or_any_failing_later_one_is_recorded_not_raised(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: set[int], error: type) -> None:
    from rnnkit.train import autotune

    monkeypatch.setattr(autotune, "warm_up", lambda: None)
    record = tmp_path / "out" / "autotune.jsonl"
    record.parent.mkdir()
    record.write_text('{"trial": 99}\n', encoding="utf-8")   # an earlier search's record: written over
    found = search(_failing_at(calls, error), budget_steps=4000, presets=PRESETS3, space=SPACE3, fixed={}, seed=0,
                   out=tmp_path / "out", record=record)
    lines = [json.loads(x) for x in record.read_text().splitlines()]
    assert [x["trial"] for x in lines] == [t.number for t in found.trials] == list(range(1, len(lines) + 1))
    failed = [x for x in lines if x["val_score"] is None]
    assert [x["trial"] for x in failed] == sorted(calls)
    assert all(x["stopped"] == "error" and x["error"] for x in failed)
    assert all("error" not in x for x in lines if x["val_score"] is not None)


def test_a_plain_error_in_the_first_trial_ends_the_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import autotune

    monkeypatch.setattr(autotune, "warm_up", lambda: None)
    with pytest.raises(UserError, match="a setting is wrong"):
        search(_failing_at({1}, UserError), budget_steps=4000, presets=PRESETS3, space=SPACE3, fixed={}, seed=0,
               out=tmp_path / "out", record=tmp_path / "out" / "autotune.jsonl")


def test_a_trial_counts_the_validation_examples_its_run_recorded(tmp_path: Path) -> None:
    """config.json's data record: the first val_ entry that is an integer (not a bool, not a train_ count)."""
    from rnnkit.train.autotune import _run_trial, _val_count

    where = tmp_path / "trial-1"
    (where / "best").mkdir(parents=True)
    data = {"train_rows": 50, "val_fraction": 0.2, "val_split": True, "val_rows": 12, "val_labels": 3}
    (where / "best" / "config.json").write_text(json.dumps({"data": data}), encoding="utf-8")
    assert _val_count(where) == 12
    trial = _run_trial(lambda s, limit, w: TrainResult(0.5, 1, "accuracy", 3, 0.0, 1, 1.0, "steps", w), 1, "preset",
                       {}, 3, where, _Updates(10), first=True)
    assert (trial.count, trial.score, trial.steps) == (12, 0.5, 3)
    (where / "best" / "config.json").write_text(json.dumps({"data": {"train_rows": 5}}), encoding="utf-8")
    assert _val_count(where) is None and _val_count(tmp_path / "none") is None


@pytest.mark.parametrize("final_better", [True, False])
def test_the_kept_run_s_files_and_result_are_those_of_the_run_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   final_better: bool) -> None:
    """A final run that scores higher is kept with its own result; one that scores lower gives way to the best
    trial, whose best/ and last/ replace it in out and whose lack of a metrics log and plot leaves none of the
    final run's behind."""
    from rnnkit.train import autotune
    from rnnkit.train.checkpoint import LOSS_PLOT, METRICS_LOG

    monkeypatch.setattr(autotune, "warm_up", lambda: None)
    out = tmp_path / "out"
    results = {}

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        final = where == out
        for name in ("best", "last"):
            (where / name).mkdir(parents=True, exist_ok=True)
            (where / name / "who").write_text(where.name, encoding="utf-8")
        if final:
            (where / METRICS_LOG).write_text("{}\n", encoding="utf-8")
            (where / LOSS_PLOT).write_text("png", encoding="utf-8")
        score = settings["h"] / 10 + (0.5 if final_better else -0.5) * final
        results[where.name] = TrainResult(score, 1, "accuracy", limit["steps"], 0.0, 1, 1.0, "steps", where)
        return results[where.name]

    found = search(run, budget_steps=2000, presets=[{"h": 3, "d": 0, "w": 0}], space={"h": [3]}, fixed={}, seed=0,
                   out=out, record=out / "autotune.jsonl")
    assert found.kept == ("final" if final_better else "trial 1")
    assert found.result is results["out" if final_better else "trial-1"] and found.result.out_dir == out
    for name in ("best", "last"):
        assert (out / name / "who").read_text(encoding="utf-8") == ("out" if final_better else "trial-1")
    assert (out / METRICS_LOG).exists() is (out / LOSS_PLOT).exists() is final_better
