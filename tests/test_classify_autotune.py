"""`rnnkit train classify --autotune`: when it is on, what it searches, its budget and its record."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks.classify import FIXED, PRESETS, SPACE, ClassifyConfig, _is_bag, train
from rnnkit.train.autotune import Trial, perturb, plan, search, warm_up
from rnnkit.train.trainer import TrainingDiverged, TrainResult

pytestmark = pytest.mark.usefixtures("one_torch_thread", "warm")


@pytest.fixture(scope="module")
def warm() -> None:
    """Load torch's optimiser hooks and matplotlib first: once per process, and not the search's time."""
    warm_up()


def make_csv(path: Path, n: int = 60) -> Path:
    rng = random.Random(0)
    rows = ["text,label"]
    for i in range(n):
        good = i % 2 == 0
        words = rng.sample(["good", "great", "fine"] if good else ["bad", "awful", "poor"], 2) + ["the", "film"]
        rng.shuffle(words)
        rows.append(f"{' '.join(words)},{'pos' if good else 'neg'}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------- when it is on
@pytest.mark.parametrize(("settings", "wanted"), [
    ({"minutes": 3}, True),                                   # a budget and no model setting: search
    ({"minutes": 3, "pooling": "mean"}, False),               # any model setting given: exactly that model
    ({"minutes": 3, "lr": 3e-3}, False),                      # even one equal to the default
    ({"minutes": 3, "pooling": "mean", "autotune": True}, True),
    ({"minutes": 3, "autotune": False}, False),
    ({"steps": 50}, False),                                   # no time budget to spend
    ({"minutes": 3, "pretrain_data": "x.txt"}, False),
])
def test_autotune_is_the_default_only_without_model_settings(settings: dict[str, Any], wanted: bool) -> None:
    assert ClassifyConfig(**settings).wants_autotune() is wanted


def test_settings_not_given_take_the_fixed_defaults() -> None:
    config = ClassifyConfig(pooling="mean").with_defaults()
    assert config.pooling == "mean" and config.tokenizer == FIXED["tokenizer"] and config.lr == FIXED["lr"]
    assert ClassifyConfig().with_defaults({"lr": 0.01}).lr == 0.01  # a resumed run's own value first


def test_presets_set_every_searched_setting_to_a_value_of_the_space() -> None:
    for preset in PRESETS:
        assert set(preset) == set(SPACE)
        assert all(preset[k] in SPACE[k] for k in SPACE)
        ClassifyConfig(**preset).validate()
    assert {p["tokenizer"] for p in PRESETS} == {"word", "ngram", "bpe", "char"}
    assert any(p["layers"] == 0 for p in PRESETS)  # fastText's model: pooled word and bigram embeddings


# ------------------------------------------------------------------------------------------- the search
def test_perturb_changes_one_or_two_free_settings_and_never_a_fixed_one() -> None:
    rng = random.Random(0)
    base = dict(PRESETS[0])
    for _ in range(200):
        new = perturb(base, SPACE, {"pooling": "mean"}, rng, [])
        changed = [k for k in SPACE if new[k] != base[k] and k != "pooling"]
        assert 1 <= len(changed) <= 2 and new["pooling"] == "mean"
        assert all(new[k] in SPACE[k] for k in changed)
    a = [perturb(base, SPACE, {}, random.Random(7), []) for _ in range(3)]
    assert a == [perturb(base, SPACE, {}, random.Random(7), []) for _ in range(3)]


def test_plan_gives_the_presets_their_slices_and_keeps_a_share_for_the_final_run() -> None:
    trials_s, slice_s = plan(180.0, 4)
    assert 0.5 * 180 < trials_s < 180 and trials_s / slice_s == int(trials_s // 12)
    trials_s, slice_s = plan(6.0, 4)
    assert slice_s == pytest.approx(trials_s / 4)


def fake_run(log: list[dict[str, Any]]) -> Any:
    """A stand-in training: sleeps half its slice, scores settings by a fixed rule, writes a best/."""
    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        log.append(settings)
        time.sleep(limit.get("minutes", 0.0) * 30)
        (where / "best").mkdir(parents=True, exist_ok=True)
        (where / "best" / "config.json").write_text(json.dumps(settings))
        score = settings["hidden"] / 256 + (settings["pooling"] == "mean") - settings["dropout"]
        return TrainResult(score, 1, "accuracy", limit.get("steps", 3), limit.get("minutes", 0.0) * 30, 10, 1.0,
                           "minutes", where)
    return run


def test_search_stays_inside_its_budget_records_every_trial_and_is_deterministic(tmp_path: Path) -> None:
    runs: list[list[dict[str, Any]]] = []
    for k in range(2):
        log: list[dict[str, Any]] = []
        out = tmp_path / f"run{k}"
        t0 = time.perf_counter()
        found = search(fake_run(log), budget_s=1.5, presets=PRESETS, space=SPACE, fixed={"tokenizer": "word"},
                       seed=3, out=out, record=out / "autotune.jsonl")
        assert time.perf_counter() - t0 < 1.5 + 0.3
        lines = [json.loads(x) for x in (out / "autotune.jsonl").read_text().splitlines()]
        assert [x["settings"] for x in lines] == log == [t.settings for t in found.trials]
        assert [x["kind"] for x in lines][:4] == ["preset"] * 4 and lines[-1]["kind"] == "final"
        assert all(x["settings"]["tokenizer"] == "word" for x in lines)
        assert found.kept == "final" and (out / "best" / "config.json").is_file()
        assert not (out / "autotune").exists()  # the trials' directories are gone
        runs.append([t.settings for t in found.trials if t.kind != "final"])
    n = min(len(r) for r in runs)  # the clock may allow one run a trial more: the same seed, the same proposals
    assert n >= 5 and runs[0][:n] == runs[1][:n]


def test_a_search_whose_final_run_is_worse_keeps_the_best_trial(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    inner = fake_run(calls)

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        (where / "last").mkdir(exist_ok=True)
        (where / "last" / "run.txt").write_text(str(where))
        (where / "metrics.jsonl").write_text(str(where))
        (where / "tensorboard").mkdir(exist_ok=True)  # --tensorboard's event files
        (where / "tensorboard" / "events.out.tfevents.1").write_text(str(where))
        if where == tmp_path:  # the final run lands in out itself
            result.best_metric = -10.0
        return result

    found = search(run, budget_s=1.0, presets=PRESETS[:2], space=SPACE, fixed={}, seed=0, out=tmp_path,
                   record=tmp_path / "autotune.jsonl")
    assert found.kept.startswith("trial")
    kept = json.loads((tmp_path / "best" / "config.json").read_text())
    assert kept == found.best and found.result.out_dir == tmp_path
    trial = str(tmp_path / "autotune" / found.kept.replace(" ", "-"))  # where the kept trial trained
    # its whole run is the run: --resume continues the model best/ holds, not the final run's, and its curves
    assert (tmp_path / "last" / "run.txt").read_text() == (tmp_path / "metrics.jsonl").read_text() == trial
    assert [p.read_text() for p in (tmp_path / "tensorboard").iterdir()] == [trial]


@pytest.mark.parametrize(("final_loss", "kept_final"), [(0.66, False), (0.50, True)])
def test_a_final_run_that_ties_is_kept_only_without_a_higher_validation_loss(
        tmp_path: Path, final_loss: float, kept_final: bool) -> None:
    inner = fake_run([])

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        result.best_metric = 0.75  # every training ties on accuracy, as on a small validation split
        loss = final_loss if where == tmp_path else 0.55
        result.best_eval = {"accuracy": 0.75, "loss": loss}
        (where / "best" / "trainer_state.json").write_text(json.dumps({"last_eval": {"loss": loss}}))
        return result

    found = search(run, budget_s=1.0, presets=PRESETS[:2], space=SPACE, fixed={}, seed=0, out=tmp_path,
                   record=tmp_path / "autotune.jsonl")
    assert (found.kept == "final") is kept_final
    loss = json.loads((tmp_path / "best" / "trainer_state.json").read_text())["last_eval"]["loss"]
    assert loss == (final_loss if kept_final else 0.55)


def test_a_clear_win_needs_more_than_two_standard_errors_of_the_validation_accuracy() -> None:
    def trial(score: float, count: int | None) -> Trial:
        return Trial(1, "preset", {}, score, 1, 1.0, "minutes", count=count)

    # 18 of 20 against 20 of 20: two texts, within two standard errors (2 x 0.076 by Agresti-Coull)
    assert trial(1.0, 20).beats(trial(0.9, 20)) and not trial(1.0, 20).clearly_beats(trial(0.9, 20))
    assert trial(0.95, 2000).clearly_beats(trial(0.9, 2000))      # the same 5 points on 2,000 texts: clear
    assert not trial(0.91, 2000).clearly_beats(trial(0.9, 2000))  # 1 point: 2 x 0.0067 is more
    assert trial(0.91, None).clearly_beats(trial(0.9, None))      # no count recorded: a plain win


def test_the_standard_error_of_a_clear_win_adds_two_successes_and_two_failures() -> None:
    def trial(score: float) -> Trial:
        return Trial(1, "preset", {}, score, 1, 1.0, "minutes", count=20)

    # 0 of 20 right: Agresti-Coull reads it as 2 of 24, 2 x sqrt((2/24)(22/24)/24) = 0.113, not an error of 0
    assert not trial(0.1).clearly_beats(trial(0.0)) and trial(0.15).clearly_beats(trial(0.0))


def test_only_a_recurrent_trial_needs_a_clear_margin_over_a_bag() -> None:
    from rnnkit.train.autotune import _displaces

    def trial(layers: int, right: int) -> Trial:  # right of 16 validation texts
        return Trial(1, "preset", {"layers": layers}, right / 16, 1, 1.0, "minutes", count=16)

    def simple(settings: dict[str, Any]) -> bool:
        return settings["layers"] == 0

    assert not _displaces(trial(1, 15), trial(0, 14), simple)  # one text more is luck: the bag stays
    assert _displaces(trial(0, 15), trial(0, 14), simple)      # a bag replaces a bag by beating it
    assert _displaces(trial(2, 15), trial(1, 14), simple)      # and a recurrent model a recurrent one


@pytest.mark.parametrize(("val_rows", "bag_kept"), [(16, True), (1600, False)])
def test_a_recurrent_trial_replaces_the_bag_only_by_a_clear_margin(tmp_path: Path, val_rows: int,
                                                                    bag_kept: bool) -> None:
    inner = fake_run([])

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        result.best_metric = 0.875 if _is_bag(settings) else 0.9375  # one text of 16 more for every recurrent model
        (where / "best" / "config.json").write_text(json.dumps({**settings, "data": {"val_rows": val_rows}}))
        return result

    found = search(run, budget_s=1.0, presets=PRESETS[:2], space=SPACE, fixed={}, seed=0, out=tmp_path,
                   record=tmp_path / "autotune.jsonl", simple=_is_bag)
    assert PRESETS[0]["layers"] == 0 and PRESETS[1]["layers"] == 1
    assert (found.best["layers"] == 0) is bag_kept


def test_a_clear_win_by_an_f1_is_by_the_error_the_task_measures_for_it(tmp_path: Path) -> None:
    """--keep-by macro_f1: the binomial error of a share right on 1,600 texts (2 x 0.008) let a recurrent trial's
    6 points more replace the bag, though a macro-F1 can move by far more (a rare label's few texts weigh as a
    frequent label's many); the task's ``spread`` of the bag's score (the classifier's bootstrap, here 5 points)
    is the error now, measured once, from the bag's own folder. Without one, the binomial error as before."""
    inner = fake_run([])
    measured: list[str] = []

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        result.metric, result.best_metric = "macro_f1", 0.875 if _is_bag(settings) else 0.9375
        (where / "best" / "config.json").write_text(json.dumps({**settings, "data": {"val_rows": 1600}}))
        return result

    def spread(where: Path) -> float:
        measured.append(where.name)
        assert (where / "best").is_dir()
        return 0.05

    for given, bag_kept in ((spread, True), (None, False)):
        out = tmp_path / str(bag_kept)
        found = search(run, budget_s=1.0, presets=PRESETS[:3], space=SPACE, fixed={}, seed=0, out=out,
                       record=out / "autotune.jsonl", simple=_is_bag, score="macro_f1", spread=given)
        assert (found.best["layers"] == 0) is bag_kept
    assert measured == ["trial-1"]  # the bag's error, once, for the two recurrent presets that outscored it
    best = Trial(1, "preset", {}, 0.875, 1, 1.0, "minutes", count=1600, spread=0.05)
    assert not Trial(2, "preset", {}, 0.97, 1, 1.0, "minutes").clearly_beats(best)
    assert Trial(2, "preset", {}, 0.98, 1, 1.0, "minutes").clearly_beats(best)


def test_the_f1_error_a_recurrent_trial_had_to_beat_is_in_the_bag_s_line_of_the_record(tmp_path: Path) -> None:
    """--keep-by macro_f1: the bag's bootstrap error set the margin a recurrent trial's higher F1 had to clear, and
    was in no line of autotune.jsonl (an accuracy's margin follows from the line's val_count): a reader saw a
    higher score not kept and no reason. It is the bag's ``val_score_se`` now, written once it is measured."""
    inner = fake_run([])

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        result.metric, result.best_metric = "macro_f1", 0.875 if _is_bag(settings) else 0.9375
        (where / "best" / "config.json").write_text(json.dumps({**settings, "data": {"val_rows": 1600}}))
        return result

    for given in (lambda where: 0.05, None):
        out = tmp_path / str(given is None)
        found = search(run, budget_s=1.0, presets=PRESETS[:3], space=SPACE, fixed={}, seed=0, out=out,
                       record=out / "autotune.jsonl", simple=_is_bag, score="macro_f1", spread=given)
        lines = [json.loads(line) for line in (out / "autotune.jsonl").read_text().splitlines()]
        assert [line["trial"] for line in lines] == [t.number for t in found.trials]  # one line each, in order
        assert [line["val_score"] for line in lines[:3]] == [0.875, 0.9375, 0.9375]
        assert lines[0]["settings"] == found.trials[0].settings and lines[0]["val_count"] == 1600
        errors = {line["trial"]: line["val_score_se"] for line in lines if "val_score_se" in line}
        assert errors == ({1: 0.05} if given else {})  # the bag's own line; none measured without a spread
        if given:  # why the recurrent trial's higher F1 was not kept: within two of the bag's errors
            assert found.best["layers"] == 0 and lines[1]["val_score"] - lines[0]["val_score"] <= 2 * errors[1]


def test_the_classifier_s_f1_error_is_the_bootstrap_of_its_kept_model_s_predictions(tmp_path: Path) -> None:
    """What ``spread`` measures for a search by an F1: the bootstrap error of the F1 of the predictions the
    trial's best/ model makes for the validation texts (the most probable label; multi-label, those at 0.5 or
    more); None without a model, where the search takes the binomial error."""
    import rnnkit
    from rnnkit.metrics import f1_standard_error, label_counts
    from rnnkit.tasks._classify_autotune import _f1_spread
    from rnnkit.tasks._classify_data import load_source

    data = tmp_path / "d.txt"
    data.write_text("".join(f"__label__{lab} {word} film {i}\n" for i in range(12)
                            for lab, word in (("a", "good"), ("b", "bad"), ("c", "odd"))), encoding="utf-8")
    multi = tmp_path / "m.txt"
    multi.write_text("".join(f"__label__a __label__{lab} {word} film {i}\n" for i in range(12)
                             for lab, word in (("b", "bad"), ("c", "odd"))), encoding="utf-8")
    for name, source in (("single", data), ("multi", multi)):
        rnnkit.fit("classify", data=str(source), out=tmp_path / name, tokenizer="word", layers=0, pooling="mean",
                   steps=3, eval_every=3, lr=0.3, verbose=False, progress=False)
    table = load_source(str(data), "text", "label")
    model = rnnkit.load(tmp_path / "single")
    guessed = [model.labels.index(p["label"]) for p in model.predict(table.texts)]
    counts = label_counts([model.labels.index(lab) for lab in table.labels], guessed, len(model.labels))
    for score in ("macro_f1", "micro_f1"):
        error = _f1_spread(table, score)(tmp_path / "single")
        assert error == f1_standard_error(*counts, score) and error > 0
    table = load_source(str(multi), "text", "label")
    model = rnnkit.load(tmp_path / "multi")
    assert model.multi_label
    given = torch.tensor([[lab in p["labels"] for lab in model.labels] for p in model.predict(table.texts)])
    targets = torch.tensor([[lab in labels for lab in model.labels] for labels in table.label_lists()])
    assert _f1_spread(table, "micro_f1")(tmp_path / "multi") == f1_standard_error(
        targets & given, ~targets & given, targets & ~given, "micro_f1")
    assert _f1_spread(table, "macro_f1")(tmp_path / "nothing") is None


# ------------------------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_cli_autotune_keeps_explicit_flags_and_stays_inside_the_budget(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    data, out = make_csv(tmp_path / "d.csv"), tmp_path / "run"
    t0 = time.perf_counter()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--autotune", "--pooling", "mean",
                 "--hidden", "16", "--embedding", "16", "--minutes", "0.06", "--no-progress", "--json"]) == 0
    assert time.perf_counter() - t0 < 0.06 * 60 + 2.5
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    lines = [json.loads(x) for x in (out / "autotune.jsonl").read_text().splitlines()]
    assert summary["autotune"]["trials"] == len([x for x in lines if x["kind"] != "final"]) >= 1
    for line in lines:
        assert {"settings", "val_score", "steps", "seconds"} <= set(line)
        assert line["settings"]["pooling"] == "mean" and line["settings"]["hidden"] == 16
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["model"]["pooling"] == "mean" and config["model"]["hidden_size"] == 16
    assert config["settings"]["autotune"] is False


def test_cli_model_flag_without_autotune_trains_exactly_that_model(tmp_path: Path) -> None:
    data, out = make_csv(tmp_path / "d.csv"), tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--pooling", "mean", "--hidden", "8",
                 "--minutes", "0.01", "--no-progress", "--json"]) == 0
    assert not (out / "autotune.jsonl").exists()
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["tokenizer"] == "char" and config["model"]["pooling"] == "mean"


def test_a_model_setting_in_a_config_file_also_turns_the_search_off(tmp_path: Path) -> None:
    data, out = make_csv(tmp_path / "d.csv"), tmp_path / "run"
    (tmp_path / "c.toml").write_text('pooling = "max"\nembedding = 8\n')
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--config", str(tmp_path / "c.toml"),
                 "--minutes", "0.01", "--no-progress", "--json"]) == 0
    assert not (out / "autotune.jsonl").exists()
    assert json.loads((out / "best" / "config.json").read_text())["model"]["pooling"] == "max"


def test_cli_refuses_autotune_with_pre_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--autotune", "--minutes",
                 "1", "--pretrain-data", "x.txt"]) == 2
    assert "--autotune does not pre-train" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_autotune_data_the_search_writes_over_is_refused_and_kept(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`--autotune --data OUT/autotune.jsonl` emptied the data to record its trials in it, and the first trial
    read no rows; data inside OUT/autotune/ was removed with the trials' folder at the end of the search."""
    out = tmp_path / "run"
    (out / "autotune").mkdir(parents=True)
    record = out / "autotune.jsonl"
    record.write_text("".join(json.dumps({"text": f"{w} film {i}", "label": lab}) + "\n" for i in range(20)
                              for w, lab in (("good", "pos"), ("bad", "neg"))), encoding="utf-8")
    inside = make_csv(out / "autotune" / "v.csv")
    kept = {p: p.read_bytes() for p in (record, inside)}
    run = ["train", "classify", "--out", str(out), "--autotune", "--steps", "20", "--no-progress"]
    assert main([*run, "--data", str(record)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --out {out}: its autotune.jsonl is the --data being read; "
                                       "give another --out\n")
    assert main([*run, "--data", str(make_csv(tmp_path / "d.csv")), "--val-data", str(inside)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --out {out}: its autotune/ holds the --val-data being read "
                                       f"({inside}), which the search removes; give another --out\n")
    assert {p: p.read_bytes() for p in (record, inside)} == kept
    assert sorted(p.name for p in out.rglob("*")) == ["autotune", "autotune.jsonl", "v.csv"]


def test_autotune_on_bad_data_is_refused_before_it_writes_anything(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one.csv").write_text("text,label\n" + "a fine film,pos\n" * 20, encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp_path / "one.csv"), "--out", str(tmp_path / "o"),
                 "--minutes", "1"]) == 2
    assert "has only one label ('pos')" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # no empty autotune.jsonl


def test_autotune_without_a_budget_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--autotune needs a budget to spend: --minutes M, or --steps N"):
        train(ClassifyConfig(autotune=True, steps=None), str(make_csv(tmp_path / "d.csv")), tmp_path / "o")


@pytest.mark.parametrize(("settings", "named"), [({"minutes": 1}, "--autotune (on by default with --minutes"),
                                                 ({"autotune": True, "steps": 6}, "--autotune: ")])
def test_a_search_under_torchrun_is_refused_on_every_rank_before_it_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], named: str) -> None:
    """Every rank ran the search: each took OUT's lock (the other refused with 'another run is writing into it',
    naming its sibling), or the trials' clocks parted, and torchrun ended the run with nothing kept."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in ("0", "1"):
        monkeypatch.setenv("RANK", rank)
        with pytest.raises(UserError, match=r"not under torchrun \(2 processes\); search without torchrun, or give "
                                            r"--no-autotune") as caught:
            train(ClassifyConfig(**settings), str(make_csv(tmp_path / "d.csv")), tmp_path / "o")
        assert str(caught.value).startswith(named)
        assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------------- a budget of updates
def test_a_search_counted_in_updates_spends_exactly_its_budget_and_repeats_itself(tmp_path: Path) -> None:
    runs = []
    for k in range(2):
        log: list[dict[str, Any]] = []
        out = tmp_path / f"run{k}"
        found = search(fake_run(log), budget_steps=3000, presets=PRESETS, space=SPACE, fixed={}, seed=3, out=out,
                       record=out / "autotune.jsonl")
        lines = [json.loads(x) for x in (out / "autotune.jsonl").read_text().splitlines()]
        steps = [x["steps"] for x in lines]
        # 65 % of 3,000 updates shared by the five presets (390 each), the rest for the final run
        assert [x["kind"] for x in lines] == ["preset"] * 5 + ["final"]
        assert steps == [390] * 5 + [3000 - 5 * 390] and sum(steps) == 3000
        runs.append(([x["settings"] for x in lines], found.best, found.kept))
    assert runs[0] == runs[1]


def test_failed_trials_spend_their_updates_so_a_search_of_failures_ends(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        calls.append(limit)
        if len(calls) > 1:
            raise TrainingDiverged("loss is nan", step=1)
        return fake_run([])(settings, limit, where)

    found = search(run, budget_steps=10_000, presets=PRESETS, space=SPACE, fixed={}, seed=0, out=tmp_path,
                   record=tmp_path / "autotune.jsonl")
    trials = [t for t in found.trials if t.kind != "final"]
    assert len(trials) == 16 and sum(t.error is not None for t in trials) == 15  # 16 slices of 406 updates
    # the final run (it fails too) gets what the trials left; the one trial that trained is kept
    assert calls[-1] == {"steps": 10_000 - 16 * 406} and found.kept == "trial 1"


@pytest.mark.slow
def test_cli_autotune_by_updates_gives_the_same_search_and_model_twice(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv")
    records, weights = [], []
    for k in range(2):
        out = tmp_path / f"run{k}"
        assert main(["train", "classify", "--data", str(data), "--out", str(out), "--autotune", "--steps", "60",
                     "--embedding", "16", "--hidden", "16", "--no-progress"]) == 0
        assert "for 60 updates" in capsys.readouterr().err
        lines = [json.loads(x) for x in (out / "autotune.jsonl").read_text().splitlines()]
        assert sum(x["steps"] for x in lines) <= 60 and lines[-1]["kind"] == "final"
        records.append([{k: v for k, v in x.items() if k != "seconds"} for x in lines])
        weights.append((out / "best" / "model.safetensors").read_bytes())
    assert records[0] == records[1] and weights[0] == weights[1]


def test_a_trial_kept_by_its_validation_loss_is_scored_by_the_accuracy_there(tmp_path: Path) -> None:
    """The classifier keeps the checkpoint of the lowest validation loss: the trial's score is that
    checkpoint's accuracy, never the loss read as a score."""
    inner = fake_run([])
    kept_by_loss = {"word": (0.40, 0.90), "bpe": (0.60, 0.70)}  # tokenizer -> (loss, accuracy) at the kept step

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        loss, accuracy = kept_by_loss.get(settings["tokenizer"], (0.8, 0.5))
        result.metric, result.best_metric, result.best_eval = "loss", loss, {"loss": loss, "accuracy": accuracy}
        return result

    presets = [{**PRESETS[0], "tokenizer": "bpe"}, {**PRESETS[0], "tokenizer": "word"}]
    found = search(run, budget_s=1.0, presets=presets, space=SPACE, fixed={}, seed=0, out=tmp_path,
                   record=tmp_path / "autotune.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "autotune.jsonl").read_text().splitlines()]
    assert [x["val_score"] for x in lines[:2]] == [0.70, 0.90]
    assert found.best["tokenizer"] == "word"


def test_ctrl_c_in_a_trial_ends_the_whole_search(tmp_path: Path) -> None:
    """An interrupted trial was recorded as an ordinary one and the search went on to the end, exit 0."""
    log: list[dict[str, Any]] = []
    inner = fake_run(log)

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        result = inner(settings, limit, where)
        if len(log) == 2:
            result.stopped = "interrupted"
        return result

    with pytest.raises(KeyboardInterrupt):
        search(run, budget_s=1.0, presets=PRESETS, space=SPACE, fixed={}, seed=0, out=tmp_path,
               record=tmp_path / "autotune.jsonl")
    assert len(log) == 2


def test_a_search_whose_model_does_not_fit_in_memory_leaves_no_out(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """--embedding 10**13 with --autotune: every trial's table is hundreds of TB, refused before it is built
    (rnnkit.train.memory); the allocator's traceback left OUT with .lock and an empty autotune.jsonl."""
    out = tmp_path / "new" / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--autotune",
                 "--steps", "40", "--embedding", str(10**13), "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"rnnkit: error: --embedding {10**13}: the model (")
    assert not (tmp_path / "new").exists()


def test_outputs_into_a_searching_run_s_trials_or_onto_its_record_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """While a search runs, OUT has its record and autotune/ but no last/ yet: ``data dates --out
    OUT/autotune/d.tsv`` was written there, and the search's end removed it with the trials; so was an output
    onto OUT/autotune.jsonl, the search's record."""
    from rnnkit.train.trainer import Trainer

    inner, said = Trainer._update, []
    out = tmp_path / "run"

    def update(self: Trainer, lr: float, progress: float) -> tuple[float, int, float]:
        if not said:  # the first trial's first update: the search is under way
            for target in (out / "autotune" / "d.tsv", out / "autotune.jsonl"):
                said.append((main(["data", "dates", "--out", str(target), "--pairs", "5"]),
                             (capsys.readouterr().err.splitlines() or [""])[-1]))
        return inner(self, lr, progress)

    monkeypatch.setattr(Trainer, "_update", update)
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--autotune",
                 "--steps", "8", "--embedding", "8", "--hidden", "8", "--no-progress"]) == 0
    assert said == [
        (2, f"rnnkit: error: --out {out / 'autotune' / 'd.tsv'}: is inside the run's autotune trials (autotune/), "
            "which the search removes; give another --out"),
        (2, f"rnnkit: error: --out {out / 'autotune.jsonl'}: is the run's own autotune.jsonl; give another --out")]
    assert not (out / "autotune").exists() and (out / "autotune.jsonl").read_text().startswith("{")


def test_an_output_into_a_search_s_trials_is_refused_from_the_search_s_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """While the search warmed up, holding OUT's lock, OUT held only its .lock, and no command knew it for a
    search's: ``data dates --out OUT/autotune/d.tsv`` was written there, and removed with the trials at the
    end. The record is now written first, so the output is refused as soon as the search holds OUT."""
    import rnnkit.train.autotune as autotune

    inner, said = autotune.warm_up, []
    out = tmp_path / "run"

    def warm_up() -> None:
        said.append(sorted(p.name for p in out.iterdir()))
        said.append(main(["data", "dates", "--out", str(out / "autotune" / "d.tsv"), "--pairs", "5"]))
        said.append((capsys.readouterr().err.splitlines() or [""])[-1])
        inner()

    monkeypatch.setattr(autotune, "warm_up", warm_up)
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--autotune",
                 "--steps", "8", "--embedding", "8", "--hidden", "8", "--no-progress"]) == 0
    assert said == [[".lock", "autotune.jsonl"], 2,
                    f"rnnkit: error: --out {out / 'autotune' / 'd.tsv'}: is inside the run's autotune trials "
                    "(autotune/), which the search removes; give another --out"]


def test_a_search_into_an_out_whose_autotune_folder_is_the_user_s_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ``OUT/autotune/`` the user wrote into before any search (``data dates --out OUT/autotune/d.tsv``) was
    removed with the trials at the search's end; it is refused before any work. An interrupted search's own
    trials, beside its record, are not."""
    out, data = tmp_path / "run", make_csv(tmp_path / "d.csv")
    assert main(["data", "dates", "--out", str(out / "autotune" / "d.tsv"), "--pairs", "5"]) == 0
    argv = ["train", "classify", "--data", str(data), "--out", str(out), "--autotune", "--steps", "8",
            "--embedding", "8", "--hidden", "8", "--no-progress"]
    capsys.readouterr()
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"rnnkit: error: --out {out}: its autotune/ is no earlier search's (no autotune.jsonl beside it), and the "
        "search removes autotune/ at its end; move it away or give another --out")
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == [Path("autotune"), Path("autotune/d.tsv")]
    (out / "autotune" / "d.tsv").rename(tmp_path / "d.tsv")
    (out / "autotune" / "trial-2").mkdir()  # what an interrupted search leaves: its trials and its record
    (out / "autotune.jsonl").write_text("{}\n")
    assert main(argv) == 0 and not (out / "autotune").exists()


def test_ctrl_c_in_the_last_update_of_a_trial_ends_the_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C in a trial's last update (or its last evaluation) was lost: the trial ended on its steps, not
    as interrupted, and the search went on to the next trial and the final run. It ends the search as a
    Ctrl-C earlier in a trial does: the trials recorded so far, the trial's folder, 'interrupted', 130."""
    import signal

    from rnnkit.train.trainer import Trainer

    inner, fits = Trainer._update, []

    def update(self: Trainer, lr: float, progress: float) -> tuple[float, int, float]:
        done = inner(self, lr, progress)
        if self not in fits:
            fits.append(self)
        if fits.index(self) == 1 and self.step == self.cfg.steps:  # the second trial's last update
            signal.raise_signal(signal.SIGINT)
        return done

    monkeypatch.setattr(Trainer, "_update", update)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--autotune",
                 "--steps", "40", "--embedding", "8", "--hidden", "8", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert err.endswith("rnnkit: interrupted\n") and "autotune trial 2" not in err and len(fits) == 2
    assert f"autotune: interrupted; the trials kept so far are in {out / 'autotune'}, scored in" in err
    assert [json.loads(x)["trial"] for x in (out / "autotune.jsonl").read_text().splitlines()] == [1]
    assert not (out / "best").exists() and (out / "autotune" / "trial-2" / "last").is_dir()


def test_a_plain_run_into_an_interrupted_search_s_out_is_refused_and_overwrite_removes_its_leftovers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C during a search leaves OUT/autotune.jsonl and OUT/autotune/trial-N and no model; a run with model
    flags into that OUT was accepted without --overwrite and left the record and trials of the search that did not
    make it beside its model. It is refused in one line; --overwrite removes them. A search into that OUT still
    replaces the earlier one's record and trials (its own final run into OUT keeps its record), and --overwrite
    of a finished search's OUT by a plain run takes the record with the model."""
    import rnnkit.train.autotune as autotune

    data, out = str(make_csv(tmp_path / "d.csv")), tmp_path / "run"
    search_argv = ["train", "classify", "--data", data, "--out", str(out), "--autotune", "--steps", "8",
                   "--embedding", "8", "--hidden", "8", "--no-progress"]
    plain_argv = ["train", "classify", "--data", data, "--out", str(out), "--steps", "2", "--embedding", "8",
                  "--hidden", "8", "--no-progress", "--json"]

    def interrupted(*args: object, **kwargs: object) -> None:  # Ctrl-C before the final run
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(autotune, "_finish", interrupted)
        assert main(search_argv) == 130
    assert (out / "autotune.jsonl").is_file() and list((out / "autotune").glob("trial-*"))
    assert not (out / "best").exists()
    before = sorted(p.name for p in out.iterdir())
    capsys.readouterr()
    assert main(plain_argv) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: {out}: holds the autotune.jsonl and autotune/ of an earlier --autotune search, "
                   "which would stand beside this run's model as if they described it; move them away, give another "
                   "--out, or start with --overwrite (which removes them)\n")
    assert sorted(p.name for p in out.iterdir()) == before

    assert main(search_argv) == 0  # a search again: replaces the earlier one's record and trials, as before
    record = [json.loads(line) for line in (out / "autotune.jsonl").read_text().splitlines()]
    assert record[-1]["kind"] == "final" and record[0]["trial"] == 1 and (out / "best").is_dir()
    assert not (out / "autotune").exists()

    assert main([*plain_argv, "--overwrite"]) == 0  # a finished search's OUT: --overwrite takes its record
    assert not (out / "autotune.jsonl").exists() and (out / "best").is_dir()

    with monkeypatch.context() as m:  # an interrupted search again, then --overwrite removes what it left
        m.setattr(autotune, "_finish", interrupted)
        assert main([*search_argv, "--overwrite"]) == 130
    assert (out / "autotune").is_dir()
    kept = out / "autotune" / "val.csv"  # a file the run reads is not removed with them
    kept.write_bytes((tmp_path / "d.csv").read_bytes())
    capsys.readouterr()
    assert main([*plain_argv, "--overwrite", "--val-data", str(kept)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --out {out}: its autotune/ holds the --val-data being read "
                                       f"({kept}), which --overwrite removes; give another --out\n")
    assert kept.is_file() and (out / "autotune.jsonl").is_file()
    assert main([*plain_argv, "--overwrite"]) == 0
    assert not (out / "autotune.jsonl").exists() and not (out / "autotune").exists()
    assert (out / "best" / "config.json").is_file() and (out / "last" / "config.json").is_file()


def test_an_interrupted_overwrite_search_leaves_no_earlier_model_beside_its_trials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`--autotune --overwrite` over a finished run, stopped by Ctrl-C in a trial, left the earlier run's best/,
    last/, metrics.jsonl and loss.png beside the new search's record and trials: `rnnkit predict OUT` answered
    with the old model as if the search had made it. The earlier model goes at the search's start (its inputs
    read, under the lock), as a plain --overwrite run's does."""
    import signal

    from rnnkit.train.trainer import Trainer

    data, out = str(make_csv(tmp_path / "d.csv")), tmp_path / "run"
    assert main(["train", "classify", "--data", data, "--out", str(out), "--steps", "2", "--embedding", "8",
                 "--hidden", "8", "--no-progress"]) == 0
    assert {"best", "last", "metrics.jsonl", "loss.png"} <= {p.name for p in out.iterdir()}
    search_argv = ["train", "classify", "--data", data, "--out", str(out), "--autotune", "--steps", "40",
                   "--embedding", "8", "--hidden", "8", "--no-progress", "--overwrite"]

    inner = Trainer._update

    def update(self: Trainer, lr: float, progress: float) -> tuple[float, int, float]:
        done = inner(self, lr, progress)
        if self.step == 2:  # the first trial's second update
            signal.raise_signal(signal.SIGINT)
        return done

    monkeypatch.setattr(Trainer, "_update", update)
    assert main(search_argv) == 130
    assert sorted(p.name for p in out.iterdir()) == [".lock", "autotune", "autotune.jsonl"]
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["predict", str(out), "good film"]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {out}: not a model directory")
