"""``--keep-by SCORE`` of classify and tag: the validation score that keeps OUT/best (Keras' ``monitor``)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.tasks import classify, tag
from tests.test_classify_cli import make_csv

TAG_FLAGS = ["--hidden", "8", "--embedding", "8", "--lr", "0.02", "--eval-every", "2", "--log-every", "2",
             "--no-progress", "--save-minutes", "0"]
FLAGS = [*TAG_FLAGS, "--no-autotune"]


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def best_step(out: Path) -> int:
    return json.loads((out / "last" / "trainer_state.json").read_text())["best_step"]


def test_each_task_names_the_scores_its_validation_gives(tmp_path: Path) -> None:
    """classify.SCORES and tag.SCORES are the keys each evaluation writes (val_* in metrics.jsonl)."""
    data = make_csv(tmp_path / "d.csv", 60, 0)
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "c"), "--steps", "2", *FLAGS]) == 0
    evaluated = [r for r in metrics(tmp_path / "c") if "val_loss" in r][0]
    assert {k[4:] for k in evaluated if k.startswith("val_")} == set(classify.SCORES[False])
    multi = tmp_path / "m.jsonl"
    rng = random.Random(0)
    multi.write_text("".join(json.dumps({"text": f"w{rng.randint(0, 9)} w{rng.randint(0, 9)}",
                                         "label": rng.sample(["a", "b", "c"], rng.randint(1, 2))}) + "\n"
                             for _ in range(60)), encoding="utf-8")
    assert main(["train", "classify", "--data", str(multi), "--out", str(tmp_path / "mm"), "--steps", "2",
                 *FLAGS]) == 0
    evaluated = [r for r in metrics(tmp_path / "mm") if "val_loss" in r][0]
    assert {k[4:] for k in evaluated if k.startswith("val_")} == set(classify.SCORES[True])
    for name, with_spans in (("plain", False), ("spans", True)):
        conll = write_conll(tmp_path / f"{name}.conll", with_spans)
        assert main(["train", "tag", "--data", str(conll), "--out", str(tmp_path / name), "--steps", "2",
                     *TAG_FLAGS]) == 0
        evaluated = [r for r in metrics(tmp_path / name) if "val_loss" in r][0]
        assert {k[4:] for k in evaluated if k.startswith("val_")} == {*tag.SCORES, *(["span_f1"] * with_spans)}


def write_conll(path: Path, spans: bool) -> Path:
    rng = random.Random(1)
    tags = ["B-PER", "I-PER", "O"] if spans else ["N", "V", "D"]
    lines = []
    for _ in range(40):
        lines += [f"w{rng.randint(0, 20)}\t{rng.choice(tags)}" for _ in range(rng.randint(2, 6))] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("score", ["macro_f1", "accuracy"])
def test_the_best_checkpoint_is_the_evaluation_of_the_highest_score(tmp_path: Path, score: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 80, 3)
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "12", "--keep-by", score,
                 "--val-fraction", "0.3", *FLAGS]) == 0
    rows = [r for r in metrics(out) if f"val_{score}" in r]
    top = max(r[f"val_{score}"] for r in rows)
    step = next(r["step"] for r in rows if r[f"val_{score}"] == top)  # the first of the highest
    assert best_step(out) == step
    at = next(r for r in rows if r["step"] == step)
    named = {"macro_f1": "macro-F1", "accuracy": "accuracy"}[score]
    also = f", validation accuracy {at['val_accuracy']:.4f}" if score != "accuracy" else \
        f", macro-F1 {at['val_macro_f1']:.4f}"
    assert capsys.readouterr().out.startswith(f"best validation {named} {top:.4f} at step {step}{also} (12 steps, ")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "j"), "--steps", "4", "--keep-by",
                 score, *FLAGS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["kept_by"] == f"highest validation {score}"
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["settings"]["keep_by"] == score


def test_patience_watches_the_score_kept_by(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--patience counts the evaluations no better in --keep-by's score (higher is better), as Keras' monitor."""
    data = make_csv(tmp_path / "d.csv", 80, 3)
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "200", "--keep-by",
                 "accuracy", "--patience", "2", *FLAGS, "--lr", "0"]) == 0
    rows = [r for r in metrics(out) if "val_accuracy" in r]
    assert [r["step"] for r in rows] == [2, 4, 6]  # the learning rate 0: the same accuracy three times, then stop
    assert "stopping early: 2 evaluations in a row of val accuracy no better than step 2's" in capsys.readouterr().err


def test_a_score_the_model_does_not_give_is_refused_before_training(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 60, 0)

    def refused(*argv: str) -> str:
        capsys.readouterr()
        assert main(list(argv)) == 2
        return capsys.readouterr().err.strip()

    assert refused("train", "classify", "--data", str(data), "--out", str(tmp_path / "a"), "--keep-by", "f1",
                   *FLAGS) == ("rnnkit: error: --keep-by f1: expected one of loss, accuracy, macro_f1, micro_f1, "
                               "exact_match, sentence_accuracy, span_f1")
    assert refused("train", "classify", "--data", str(data), "--out", str(tmp_path / "b"), "--keep-by", "span_f1",
                   *FLAGS) == ("rnnkit: error: --keep-by span_f1: expected one of this model's validation scores: "
                               "loss, accuracy, macro_f1")
    plain = write_conll(tmp_path / "p.conll", False)
    assert refused("train", "tag", "--data", str(plain), "--out", str(tmp_path / "t"), "--keep-by", "span_f1",
                   *TAG_FLAGS) == ("rnnkit: error: --keep-by span_f1: expected one of this model's validation "
                                    "scores: accuracy, loss, macro_f1, sentence_accuracy")
    assert not any((tmp_path / n).exists() for n in ("a", "b", "t"))
    # a search: the first trial refuses it, nothing searched
    assert refused("train", "classify", "--data", str(data), "--out", str(tmp_path / "s"), "--keep-by", "exact_match",
                   "--autotune", "--steps", "40", "--no-progress").endswith(
        "--keep-by exact_match: expected one of this model's validation scores: loss, accuracy, macro_f1")
    out = tmp_path / "r"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", *FLAGS]) == 0
    assert refused("train", "classify", "--resume", str(out), "--steps", "4", "--keep-by", "accuracy",
                   "--no-progress").startswith("rnnkit: error: --keep-by accuracy: the resumed run used loss")


def test_a_search_compares_its_trials_by_the_score_kept_by(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 60, 0)
    out = tmp_path / "s"
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--keep-by", "macro_f1", "--autotune",
                 "--steps", "60", "--eval-every", "10"]) == 0
    captured = capsys.readouterr()
    assert "on the validation split (scored by macro_f1) for 60 updates" in captured.err
    kept = next(line for line in captured.out.splitlines() if line.startswith("autotune: "))
    kept = kept.split("kept the ")[1].split(" model")[0]
    records = [json.loads(line) for line in (out / "autotune.jsonl").read_text().splitlines()]
    record = next(r for r in records if (r["kind"] == "final") == (kept == "final")
                  and (kept == "final" or f"trial {r['trial']}" == kept))
    at_best = next(r for r in metrics(out) if r["step"] == best_step(out) and "val_macro_f1" in r)
    assert record["val_score"] == pytest.approx(at_best["val_macro_f1"])  # the kept run's macro-F1, not accuracy


def test_a_resumed_run_may_name_the_score_it_kept_by(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run given no --keep-by kept its best by the task's own score (classify: loss, tag: accuracy), and its
    settings say so: resuming it with that score named again goes on; another is refused naming the one it used
    (it was refused with 'the resumed run had none', as if it had kept no checkpoint by any)."""
    data = make_csv(tmp_path / "d.csv", 60, 0)
    conll = write_conll(tmp_path / "t.conll", False)
    for task, data_file, own, other in (("classify", data, "loss", "accuracy"), ("tag", conll, "accuracy", "loss")):
        out = tmp_path / task
        flags = FLAGS if task == "classify" else TAG_FLAGS
        assert main(["train", task, "--data", str(data_file), "--out", str(out), "--steps", "2", *flags]) == 0
        assert json.loads((out / "last" / "config.json").read_text())["settings"]["keep_by"] == own
        capsys.readouterr()
        assert main(["train", task, "--resume", str(out), "--steps", "4", "--keep-by", own, "--no-progress"]) == 0
        assert best_step(out) in (2, 4)
        capsys.readouterr()
        assert main(["train", task, "--resume", str(out), "--steps", "6", "--keep-by", other, "--no-progress"]) == 2
        assert capsys.readouterr().err.strip() == (f"rnnkit: error: --keep-by {other}: the resumed run used "
                                                   f"{own}; a resumed run keeps its model and data: "
                                                   "leave it out to resume the run as it is, "
                                                   "or train a new run with another --out")


@pytest.mark.parametrize(("task", "score"), [("classify", "macro_f1"), ("multi", "exact_match"), ("tag", "span_f1"),
                                             ("tag", "sentence_accuracy")])
def test_json_gives_the_best_value_of_the_score_kept_by(tmp_path: Path, task: str, score: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """--json gives best_val_SCORE, the kept checkpoint's value of the score --keep-by names (read back from
    metrics.jsonl), as the closing line does: it gave kept_by alone, with the accuracy and loss there."""
    out = tmp_path / "run"
    if task == "tag":
        argv = ["tag", "--data", str(write_conll(tmp_path / "s.conll", True)), *TAG_FLAGS]
    elif task == "multi":
        multi = tmp_path / "m.jsonl"
        rng = random.Random(0)
        multi.write_text("".join(json.dumps({"text": f"w{rng.randint(0, 9)} w{rng.randint(0, 9)}",
                                             "label": rng.sample(["a", "b", "c"], rng.randint(1, 2))}) + "\n"
                                 for _ in range(60)), encoding="utf-8")
        argv = ["classify", "--data", str(multi), *FLAGS]
    else:
        argv = ["classify", "--data", str(make_csv(tmp_path / "d.csv", 60, 0)), *FLAGS]
    capsys.readouterr()
    assert main(["train", *argv, "--out", str(out), "--steps", "6", "--keep-by", score, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    rows = [r for r in metrics(out) if f"val_{score}" in r]
    assert summary["best_step"] == best_step(out)
    assert summary[f"best_val_{score}"] == next(r[f"val_{score}"] for r in rows if r["step"] == best_step(out))
    assert summary[f"best_val_{score}"] == max(r[f"val_{score}"] for r in rows)


def test_info_keeps_one_column_of_values_for_a_long_score_name(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``best sentence_accuracy`` pushed its value eight columns right of the other rows' values."""
    conll = write_conll(tmp_path / "plain.conll", False)
    out = tmp_path / "run"
    assert main(["train", "tag", "--data", str(conll), "--out", str(out), "--steps", "2", "--keep-by",
                 "sentence_accuracy", *TAG_FLAGS]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("  ")]
    assert [line.split("  ")[0] for line in rows] == ["model directory", "task", "parameters", "vocabulary", "trained",
                                                      "best sentence_accuracy", "resumable"]
    starts = {len(line) - len(line[len(line.split("  ")[0]):].lstrip()) for line in rows}
    assert starts == {len("best sentence_accuracy  ")}, rows
