"""Ensembles of text classifiers (``rnnkit predict DIR TEXT --ensemble DIR2``, ``rnnkit evaluate DIR --ensemble
DIR2``, ``TextClassifier.ensemble``): the probabilities are the mean of the models', each model reading the text
with its own tokenizer."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from decimal import Decimal, getcontext
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks._classify_ensemble import ClassifierEnsemble
from tests.test_classify_cli import make_csv
from tests.test_classify_multilabel import cooking
from tests.test_tag import make_conll

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXTS = ["good great film", "bad awful the", "a film 영화", "nice"]
SMALL = ["--steps", "2", "--embedding", "8", "--hidden", "8", "--no-progress", "--json"]


def _train(data: Path, out: Path, *flags: str) -> Path:
    small = [*SMALL[:4], *SMALL[6:]] if "--layers" in flags else SMALL  # a bag (--layers 0) takes no --hidden
    assert main(["train", "classify", "--data", str(data), "--out", str(out), *small, *flags]) == 0
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Single-label models of one file that differ in tokenizer, cell, size and seed (``a``, ``b``; ``c``, ``b``
    with another split), one of other labels, two multi-label models and a tagger."""
    tmp = tmp_path_factory.mktemp("cls_ensemble")
    data = make_csv(tmp / "train.csv", 40, 0)
    food = cooking(tmp / "cooking.train", 40, 0)
    runs = {
        "data": data, "food": food,
        "a": _train(data, tmp / "a", "--tokenizer", "word", "--layers", "0", "--pooling", "mean"),
        "b": _train(data, tmp / "b", "--tokenizer", "char", "--cell", "gru", "--hidden", "6", "--seed", "1"),
        "other_labels": _train(make_csv(tmp / "yes.csv", 40, 0, ("yes", "no")), tmp / "yes", "--tokenizer", "word"),
        "m1": _train(food, tmp / "m1", "--tokenizer", "word", "--layers", "0", "--pooling", "mean"),
        "m2": _train(food, tmp / "m2", "--tokenizer", "char", "--seed", "1"),
        "tagger": _tagger(make_conll(tmp / "train.conll", 20, 0), tmp / "tagger"),
    }
    runs["c"] = _split_otherwise(runs["b"], tmp / "c")
    return runs


def _split_otherwise(run: Path, out: Path) -> Path:
    """A copy of ``run`` whose config.json says it split its file with another ``--split-seed`` (all that an
    ensemble's split side reads of it: a run trained so costs a training)."""
    shutil.copytree(run, out)
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    config["data"]["split_seed"] += 1
    (out / "best" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return out


def _tagger(data: Path, out: Path) -> Path:
    assert main(["train", "tag", "--data", str(data), "--out", str(out), *SMALL]) == 0
    return out


def _mean(*probabilities: torch.Tensor) -> torch.Tensor:
    return torch.stack(probabilities).mean(0)


def test_the_probabilities_are_the_mean_of_each_models(runs: dict[str, Path]) -> None:
    a, b, c = (rnnkit.load(runs[k]) for k in "abc")
    alone = [m.probabilities(TEXTS) for m in (a, b, c)]
    assert not torch.allclose(alone[0], alone[1], atol=1e-4)  # the models disagree: the mean is not any one
    three = a.ensemble(runs["b"], c)  # a directory or a loaded classifier
    assert torch.allclose(three.probabilities(TEXTS), _mean(*alone), atol=1e-7)
    assert three.labels == a.labels and [str(x) for x in three.checkpoints] != []
    results = three.predict(TEXTS, digits=None)
    for r, p in zip(results, _mean(*alone), strict=True):
        assert r["label"] == a.labels[int(p.argmax())]
        assert list(r["probabilities"].values()) == pytest.approx(p.tolist(), abs=1e-7)
    assert "ensemble=" in repr(three) and "ensemble=" not in repr(a)
    assert a.predict(TEXTS[0]) == rnnkit.load(runs["a"]).predict(TEXTS[0])  # the first model is left as it was


def test_a_multi_label_ensemble_averages_each_labels_sigmoid(runs: dict[str, Path]) -> None:
    m1, m2 = rnnkit.load(runs["m1"]), rnnkit.load(runs["m2"])
    texts = ["how do i make a roux", "brie with dough"]
    p1, p2 = m1.probabilities(texts), m2.probabilities(texts)
    both = m1.ensemble(m2)
    assert both.multi_label and torch.allclose(both.probabilities(texts), _mean(p1, p2), atol=1e-7)
    mean = _mean(p1, p2)
    for threshold in (0.3, 0.5):
        for r, p in zip(both.predict(texts, threshold=threshold), mean, strict=True):
            assert set(r["labels"]) == {lab for lab, v in zip(m1.labels, p.tolist(), strict=True) if v >= threshold}
    scored = both.evaluate(str(runs["food"]), threshold=0.4)
    assert scored["models"] == [str(m1.checkpoint.path), str(m2.checkpoint.path)]
    assert scored["micro_f1"] == both.scored(str(runs["food"]), threshold=0.4).report["micro_f1"]


def test_an_ensemble_of_one_is_its_model(runs: dict[str, Path]) -> None:
    a = rnnkit.load(runs["a"])
    one = ClassifierEnsemble([a])
    assert torch.equal(one.probabilities(TEXTS), a.probabilities(TEXTS))
    assert torch.allclose(one._log_odds(TEXTS), a._log_odds(TEXTS), rtol=0, atol=1e-12)
    mine, its = one.explain(TEXTS[0]), a.explain(TEXTS[0])
    assert (mine["label"], [w["word"] for w in mine["words"]]) == (its["label"], [w["word"] for w in its["words"]])
    assert [w["effect"] for w in mine["words"]] == pytest.approx([w["effect"] for w in its["words"]], abs=1e-9)
    twice = a.ensemble(a)  # the mean of a model and itself
    assert torch.allclose(twice.probabilities(TEXTS), a.probabilities(TEXTS), atol=1e-7)


def _sure(run: Path, logit: float) -> rnnkit.tasks.classify.TextClassifier:
    """The word bag of ``run`` made to give every text the logit ``logit`` for "pos" (p rounds to 1 in float32)."""
    m = rnnkit.load(run)
    with torch.no_grad():
        m.model.head.weight.zero_()
        m.model.head.bias.fill_(logit)
    return m


def test_the_log_odds_are_those_of_the_mean_probability_and_stay_finite_where_it_rounds_to_one(
        runs: dict[str, Path]) -> None:
    """Two models of log-odds 50 and 30: their mean probability is 1 in float32, whose log-odds are infinite; the
    ensemble's are ln(mean p) - ln(mean (1 - p)), worked here in 50-digit decimals."""
    a, b = _sure(runs["a"], 50.0), _sure(runs["a"], 30.0)
    pair = a.ensemble(b)
    pos = a.labels.index("pos")
    p = pair.probabilities(["good film"])[0, pos]
    assert p == 1.0 and math.isinf(float(torch.log(p / (1 - p))))  # the naive log-odds of the float32 mean
    getcontext().prec = 50

    def s(z: int) -> Decimal:
        return 1 / (1 + Decimal(-z).exp())

    expected = ((s(50) + s(30)) / 2).ln() - ((s(-50) + s(-30)) / 2).ln()
    odds = pair._log_odds(["good film"])
    assert odds.dtype == torch.float64 and float(odds[0, pos]) == pytest.approx(float(expected), rel=1e-12)
    assert float(odds[0, 1 - pos]) == pytest.approx(-float(expected), rel=1e-12)
    r = pair.explain("good film")
    assert r["label"] == "pos" and all(math.isfinite(w["effect"]) for w in r["words"])


def test_the_log_odds_of_a_mean_of_ordinary_probabilities(runs: dict[str, Path]) -> None:
    a, b = rnnkit.load(runs["a"]), rnnkit.load(runs["b"])
    mean = _mean(a.probabilities(TEXTS), b.probabilities(TEXTS)).double()
    odds = a.ensemble(b)._log_odds(TEXTS)
    assert torch.allclose(odds, torch.log(mean / (1 - mean)), atol=1e-5)


def test_other_labels_kinds_and_tasks_are_refused_naming_the_model(runs: dict[str, Path], tmp_path: Path) -> None:
    a = rnnkit.load(runs["a"])
    with pytest.raises(UserError, match=rf"^{runs['other_labels']}/best: its labels \(no, yes\) are not "
                                        rf"{runs['a']}/best's \(neg, pos\); the models of an ensemble need"):
        a.ensemble(runs["other_labels"])
    with pytest.raises(UserError, match=rf"^{runs['m1']}/best: it gives several labels a text \(multi-label\) where "
                                        rf"{runs['a']}/best gives one label a text"):
        a.ensemble(runs["m1"])
    with pytest.raises(UserError, match=rf"^{runs['tagger']}/best: a 'tag' model, not a 'classify' model"):
        a.ensemble(runs["tagger"])
    with pytest.raises(UserError, match=rf"^{runs['tagger']}/best: a 'tag' model, not a 'classify' model"):
        a.ensemble(rnnkit.load(runs["tagger"]))
    with pytest.raises(UserError, match="name at least one other model"):
        a.ensemble()
    with pytest.raises(UserError, match="ensemble: '' is an empty name"):
        a.ensemble("")
    with pytest.raises(UserError, match="not a model directory"):
        a.ensemble(runs["data"])
    with pytest.raises(TypeError, match="ensemble takes a model directory"):
        a.ensemble(5)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="their own tokenizer"):
        a.ensemble(a).encode(TEXTS)


def test_a_split_side_is_refused_where_the_models_split_the_file_otherwise(runs: dict[str, Path]) -> None:
    """``c`` split the file with another seed: some of ``a``'s validation texts trained it."""
    a = rnnkit.load(runs["a"])
    assert a.ensemble(runs["b"]).evaluate(str(runs["data"]), split="val")["count"] == 4
    with pytest.raises(UserError, match=rf"split val: {runs['c']}/best was trained on another split than "
                                        rf"{runs['a']}/best"):
        a.ensemble(runs["c"]).evaluate(str(runs["data"]), split="val")


def test_the_command_line_predicts_with_the_mean(runs: dict[str, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a, b = (str(runs[k]) for k in "ab")
    pair = rnnkit.load(a).ensemble(b)
    capsys.readouterr()
    assert main(["predict", a, *TEXTS[:2], "--json", "--ensemble", b]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == pair.predict(TEXTS[:2])
    assert main(["predict", a, "--file", str(runs["data"]), "--ensemble", b]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    mean = pair.probabilities([r["text"] for r in rows])
    assert [float(r["p_pos"]) for r in rows] == pytest.approx(mean[:, pair.labels.index("pos")].tolist(), abs=1e-6)
    assert main(["predict", a, TEXTS[0], "--explain", "1", "--ensemble", b]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(f"  why {pair.predict(TEXTS[0])['label']} (log-odds)")
    assert main(["predict", a, "--ensemble", b, "good film"]) == 2
    assert "--ensemble good film: no such directory; expected a model directory (give TEXT arguments before " \
           "--ensemble)" in capsys.readouterr().err
    assert main(["predict", a, "good", "--ensemble", str(runs["data"])]) == 2
    assert "a file, not a directory" in capsys.readouterr().err
    assert main(["predict", a, "good", "--ensemble", ""]) == 2
    assert "--ensemble '': an empty name" in capsys.readouterr().err
    member_file = Path(b) / "best" / "config.json"
    assert main(["predict", a, "good", "--ensemble", b, "--output", str(member_file)]) == 2
    assert "config.json being read" in capsys.readouterr().err
    assert main(["predict", a, "good", "--ensemble", str(runs["other_labels"])]) == 2
    assert "its labels (no, yes) are not" in capsys.readouterr().err


def test_the_command_line_evaluates_the_mean_and_says_the_models(runs: dict[str, Path],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    a, b, data = (str(runs[k]) for k in ("a", "b", "data"))
    pair = rnnkit.load(a).ensemble(b)
    capsys.readouterr()
    assert main(["evaluate", a, "--data", data, "--json", "--ensemble", b]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["models"] == [f"{a}/best", f"{b}/best"]
    assert report["accuracy"] == pair.evaluate(data)["accuracy"]
    assert report["confusion"] == pair.evaluate(data)["confusion"]
    assert "confusion_png" not in report and not (runs["a"] / "confusion.png").exists()  # not the first model's
    assert main(["evaluate", a, "--data", data, "--ensemble", b]) == 0
    assert capsys.readouterr().out.startswith(f"an ensemble of 2 models ({a}/best, {b}/best)")
    assert main(["evaluate", str(runs["m1"]), "--data", str(runs["food"]), "--json", "--ensemble",
                 str(runs["m2"])]) == 0
    assert json.loads(capsys.readouterr().out)["models"] == [f"{runs['m1']}/best", f"{runs['m2']}/best"]
    assert rnnkit.load(a).evaluate(data)["models"] == [f"{a}/best"]  # one model says its own, as a translator


def test_the_baseline_beside_an_ensemble_trains_on_the_first_models_rows(runs: dict[str, Path],
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    a = rnnkit.load(runs["a"])
    pair = a.ensemble(runs["b"])
    report = pair.evaluate(str(runs["data"]), baseline=True)
    assert (report["baseline"]["train"], report["baseline"]["train_rows"]) == (str(runs["data"]), 36)
    assert report["accuracy"] == pair.evaluate(str(runs["data"]))["accuracy"]  # the ensemble's, beside it
    capsys.readouterr()
    data = str(runs["data"])
    for extra, said in (([], False), (["--ensemble", str(runs["b"])], True)):  # the screen says whose rows
        assert main(["evaluate", str(runs["a"]), "--data", data, "--baseline", *extra]) == 0
        line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("baseline:"))
        assert line.endswith(f"trained on 36 rows of {data}" + (" (the first model's training rows)" if said else ""))


def test_a_refused_evaluation_prints_no_ensemble_line_above_its_error(runs: dict[str, Path],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The line naming the ensemble's models comes with its report: above a refusal (another split, a multi-label
    --png, a missing file) it said the ensemble was scored, on stdout, where a script reads the report."""
    a, c, data = (str(runs[k]) for k in ("a", "c", "data"))
    capsys.readouterr()
    assert main(["evaluate", a, "--data", data, "--split", "val", "--ensemble", c]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "was trained on another split" in err
    assert main(["evaluate", str(runs["m1"]), "--data", str(runs["food"]), "--png", "x.png", "--ensemble",
                 str(runs["m2"])]) == 2
    assert capsys.readouterr().out == ""
    assert main(["evaluate", a, "--data", data, "--ensemble", c]) == 0
    assert capsys.readouterr().out.startswith(f"an ensemble of 2 models ({a}/best, {c}/best)")


def test_a_model_named_twice_on_the_command_line_is_said_to_count_twice(runs: dict[str, Path],
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``--ensemble runs/*`` beside ``runs/a`` names a twice: its probabilities are 2 of the 3 averaged, which the
    output said nowhere (a glob, or DIR and DIR/best, are easy ways to name one model twice)."""
    a, b = (str(runs[k]) for k in "ab")
    alone = rnnkit.load(a).probabilities(TEXTS[:1])[0]
    other = rnnkit.load(b).probabilities(TEXTS[:1])[0]
    capsys.readouterr()
    assert main(["predict", a, TEXTS[0], "--json", "--ensemble", f"{a}/best", b]) == 0
    out, err = capsys.readouterr()
    mean = (2 * alone + other) / 3  # a counted twice, as the warning says
    assert list(json.loads(out)["probabilities"].values()) == pytest.approx(mean.tolist(), abs=1e-6)
    assert f"rnnkit: warning: --ensemble: {a}/best is named 2 times" in err
    assert "counts 2 times in the mean of the 3 models" in err
    assert main(["predict", a, TEXTS[0], "--ensemble", b]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_classifier_on_another_device_is_refused_in_a_classifiers_words(runs: dict[str, Path]) -> None:
    """The refusal said the models 'decode on one device', a translator's word: a classifier decodes nothing."""
    a, b = rnnkit.load(runs["a"]), rnnkit.load(runs["b"])
    b.model.to("meta")  # another device than a's CPU, without a GPU
    with pytest.raises(UserError, match=rf"^{runs['b']}/best: its model is on meta, {runs['a']}/best's on cpu; the "
                                        r"models of an ensemble run on one device \(move one there"):
        a.ensemble(b)


def test_the_same_labels_in_another_order_are_said_to_be_the_same(runs: dict[str, Path], tmp_path: Path) -> None:
    """A model whose config.json lists a's labels the other way round (written by hand, or by another labeller):
    the refusal said its labels 'are not' a's 'in another order', which contradicts itself."""
    swapped = shutil.copytree(runs["b"], tmp_path / "swapped")
    config = json.loads((swapped / "best" / "config.json").read_text(encoding="utf-8"))
    config["labels"] = config["labels"][::-1]
    (swapped / "best" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{swapped}/best: its labels \(pos, neg\) are {runs['a']}/best's "
                                        r"\(neg, pos\) in another order; the models of an ensemble need the same"):
        rnnkit.load(runs["a"]).ensemble(swapped)
