"""Top-k prediction, as fastText's ``predict FILE k [threshold]``: ``--top-k K`` / ``top_k=K`` gives a
single-label model's K most probable labels, best first, and a multi-label model's at most K labels at or
above the threshold; each checked against ranking ``probabilities()`` here, in every output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_classify_multilabel import cooking, last_json, refused, train_cooking
from test_tag import make_conll

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.multilabel import check_top_k, top_labels

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WORDS = {"neg": "bad awful", "neu": "fine okay", "pos": "good great"}
TEXTS = ["good great film", "awful bad plot", "okay film, bad end"]


def ranked(probs: torch.Tensor, labels: list[str]) -> list[list[str]]:
    """Each row's labels, most probable first, by torch's stable sort (not rnnkit's ranking)."""
    order = torch.sort(probs, dim=1, descending=True, stable=True).indices
    return [[labels[int(i)] for i in row] for row in order]


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A three-label single-label model (30 updates of a bag of words) and a CSV of texts to predict."""
    tmp = tmp_path_factory.mktemp("topk")
    data = tmp / "train.txt"
    data.write_text("".join(f"__label__{lab} {WORDS[lab].split()[i % 2]} film {i % 5}\n"
                            for i in range(60) for lab in [list(WORDS)[i % 3]]), encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "30", "--tokenizer", "word",
                 "--layers", "0", "--pooling", "mean", "--lr", "0.05", "--embedding", "16", "--no-progress",
                 "--json"]) == 0
    texts = tmp / "texts.csv"
    texts.write_text("text\n" + "\n".join(f'"{t}"' for t in TEXTS) + "\n", encoding="utf-8")
    return out, texts


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A multi-label model on the cooking lines of test_classify_multilabel, and lines to predict."""
    tmp = tmp_path_factory.mktemp("topk-multi")
    return train_cooking(tmp, 150, 30, "--embedding", "16"), cooking(tmp / "cooking.valid", 12, 1)


# ------------------------------------------------------------------------------------------- the ranking
def test_top_labels_ranks_cuts_and_clamps() -> None:
    labels = ["a", "b", "c", "d"]
    probs = torch.tensor([0.1, 0.7, 0.05, 0.15])
    assert top_labels(probs, labels, 2) == ["b", "d"]
    assert top_labels(probs, labels, 1) == ["b"]
    assert top_labels(probs, labels, 9) == ["b", "d", "a", "c"]  # clamped, as fastText's predict k
    assert top_labels(probs, labels, 3, threshold=0.12) == ["b", "d"]
    assert top_labels(probs, labels, None, threshold=0.12) == ["b", "d"]
    assert top_labels(torch.tensor([0.5, 0.5, 0.9]), ["x", "y", "z"], 2) == ["z", "x"]  # a tie: in label order


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "2", None])
def test_check_top_k_refuses_what_is_no_count(bad: object) -> None:
    with pytest.raises(SettingError, match=r"^top_k .*: expected an integer >= 1$"):
        check_top_k(bad)


def test_check_top_k_takes_numpy_integers() -> None:
    assert check_top_k(np.int64(3)) == 3 and type(check_top_k(np.int64(3))) is int


# ------------------------------------------------------------------------------------------- Python API
def test_single_label_top_k_is_the_sorted_probabilities(single: tuple[Path, Path]) -> None:
    out, texts = single
    clf = rnnkit.load(out)
    expected = ranked(clf.probabilities(TEXTS), clf.labels)
    assert len({tuple(r[:1]) for r in expected}) > 1, "the model should tell the texts apart"
    for k in (1, 2, 3):
        got = clf.predict(TEXTS, top_k=k)
        assert [r["labels"] for r in got] == [r[:k] for r in expected]
        assert [r["label"] for r in got] == [r[0] for r in expected]
        assert all(set(r) == {"text", "label", "labels", "probabilities"} for r in got)
    assert [r["labels"] for r in clf.predict(TEXTS, top_k=10)] == expected  # clamped to the 3 labels
    assert clf.predict(TEXTS[0], top_k=np.int32(2))["labels"] == expected[0][:2]
    assert set(clf.predict(TEXTS[0])) == {"text", "label", "probabilities"}  # unchanged without top_k
    columns, rows = clf.predict_file(str(texts), top_k=2)
    assert columns == ["text", "predicted_label", "predicted_labels", "p_neg", "p_neu", "p_pos"]
    assert [r["predicted_labels"] for r in rows] == [r[:2] for r in expected]
    assert clf.predict_file(str(texts))[0] == ["text", "predicted_label", "p_neg", "p_neu", "p_pos"]


def test_multi_label_top_k_keeps_the_threshold(multi: tuple[Path, Path]) -> None:
    out, valid = multi
    clf = rnnkit.load(out)
    lines = [line.split("__label__")[-1].split(" ", 1)[1] for line in valid.read_text(encoding="utf-8").splitlines()]
    probs = clf.probabilities(lines)
    expected = ranked(probs, clf.labels)
    p = [{lab: float(v) for lab, v in zip(clf.labels, row, strict=True)} for row in probs]
    for k, cut in ((1, None), (2, None), (2, 0.3), (2, 0), (3, 0.0), (7, 0)):
        got = [r["labels"] for r in clf.predict(lines, top_k=k, threshold=cut)]
        least = 0.5 if cut is None else cut  # the default threshold stays with top_k
        assert got == [[lab for lab in e[:k] if p[i][lab] >= least] for i, e in enumerate(expected)], (k, cut)
    assert [r["labels"] for r in clf.predict(lines, top_k=2, threshold=0)] == [e[:2] for e in expected]
    assert any(len(r["labels"]) < 2 for r in clf.predict(lines, top_k=2)), "the threshold should cut some text"
    _, rows = clf.predict_file(str(valid), top_k=1, threshold=0)
    assert [r["predicted_labels"] for r in rows] == [e[:1] for e in expected]
    assert "predicted_label" not in rows[0]


def test_python_refusals(single: tuple[Path, Path], multi: tuple[Path, Path]) -> None:
    clf = rnnkit.load(single[0])
    for bad in (0, -2, 1.5, True):
        with pytest.raises(SettingError, match=r"^top_k .*: expected an integer >= 1$"):
            clf.predict(TEXTS, top_k=bad)
        with pytest.raises(SettingError, match=r"^top_k .*: expected an integer >= 1$"):
            clf.predict_file(str(single[1]), top_k=bad)
    with pytest.raises(SettingError, match=r"threshold 0.5: applies only to a multi-label model, or with a top k "
                                           r"\(top_k=K\)"):
        clf.predict(TEXTS, threshold=0.5)
    for bad in (1, -0.1):
        with pytest.raises(SettingError, match=r"expected a probability from 0 to 1 \(1 exclusive\)"):
            clf.predict(TEXTS, top_k=2, threshold=bad)
    ml = rnnkit.load(multi[0])
    with pytest.raises(SettingError, match=r"threshold 0: expected a probability between 0 and 1 \(exclusive\)"):
        ml.predict(["gravy"], threshold=0)  # 0 gives every label: only with top_k
    for bad in (1, 1.5, -0.1, float("nan")):
        with pytest.raises(SettingError, match=r"expected a probability from 0 to 1 \(1 exclusive\)"):
            ml.predict(["gravy"], top_k=2, threshold=bad)


# ------------------------------------------------------------------------------------------- command line
def test_cli_text_and_json(single: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = single
    clf = rnnkit.load(out)
    expected = ranked(clf.probabilities(TEXTS), clf.labels)
    capsys.readouterr()
    assert main(["predict", str(out), "--top-k", "2", *TEXTS]) == 0
    for line, e, text in zip(capsys.readouterr().out.splitlines(), expected, TEXTS, strict=True):
        chosen, shown, said = line.split("\t")
        assert chosen.split(",") == e[:2] and said == text
        pairs = [pair.split("=") for pair in shown.split()]
        assert [lab for lab, _ in pairs] == e[:2]  # fastText's predict-prob: those labels, best first
        assert float(pairs[0][1]) >= float(pairs[1][1])
    assert main(["predict", str(out), "--top-k", "9", "--json", *TEXTS]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["labels"] for r in rows] == expected and [r["label"] for r in rows] == [e[0] for e in expected]
    assert main(["predict", str(out), TEXTS[0]]) == 0  # without --top-k: the best label and every probability
    chosen, shown, _ = capsys.readouterr().out.strip().split("\t")
    assert chosen == expected[0][0] and [p.split("=")[0] for p in shown.split()] == ["neg", "neu", "pos"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_cli_files_read_back(single: tuple[Path, Path], tmp_path: Path, suffix: str) -> None:
    out, texts = single
    clf = rnnkit.load(out)
    expected = [e[:2] for e in ranked(clf.probabilities(TEXTS), clf.labels)]
    for argv in (["--file", str(texts)], TEXTS):
        path = tmp_path / f"p{suffix}"
        assert main(["predict", str(out), *argv, "--top-k", "2", "--output", str(path)]) == 0
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            got = [r["predicted_labels"] for r in rows]
        else:
            with open(path, encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ","))
            got = [r["predicted_labels"].split(",") for r in rows]
            assert float(rows[0]["p_pos"]) == pytest.approx(float(clf.probabilities(TEXTS[:1])[0, 2]), abs=1e-6)
        assert got == expected and [r["predicted_label"] for r in rows] == [e[0] for e in expected]


def test_cli_file_to_standard_output(single: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, texts = single
    clf = rnnkit.load(out)
    expected = ranked(clf.probabilities(TEXTS), clf.labels)
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(texts), "--top-k", "3"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [r["predicted_labels"].split(",") for r in rows] == expected
    assert main(["predict", str(out), "--file", str(texts), "--top-k", "1", "--json"]) == 0
    assert [json.loads(line)["predicted_labels"] for line in capsys.readouterr().out.splitlines()] == [
        e[:1] for e in expected]
    assert main(["predict", str(out), "--file", str(texts)]) == 0  # without --top-k: as before
    assert capsys.readouterr().out.splitlines()[0] == "text,predicted_label,p_neg,p_neu,p_pos"


def test_cli_multi_label(multi: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, valid = multi
    clf = rnnkit.load(out)
    text = "gravy with cheddar and yeast"
    expected = ranked(clf.probabilities([text]), clf.labels)[0]
    capsys.readouterr()
    assert main(["predict", str(out), "--top-k", "2", "--threshold", "0", "--json", text]) == 0
    assert last_json(capsys)["labels"] == expected[:2]
    assert main(["predict", str(out), "--top-k", "2", "--threshold", "0", text]) == 0
    chosen, shown, _ = capsys.readouterr().out.strip().split("\t")
    assert chosen.split(",") == expected[:2] and [p.split("=")[0] for p in shown.split()] == expected[:2]
    path = tmp_path / "p.csv"
    assert main(["predict", str(out), "--file", str(valid), "--top-k", "1", "--threshold", "0", "--output",
                 str(path)]) == 0
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(len(r["predicted_labels"].split(",")) == 1 for r in rows)


def test_cli_refusals(single: tuple[Path, Path], multi: tuple[Path, Path], tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    out, texts = single
    assert refused(["predict", str(out), "--top-k", "0", "good"], capsys) == (
        "rnnkit: error: --top-k 0: expected an integer >= 1")
    assert refused(["predict", str(out), "--file", str(texts), "--top-k", "-1"], capsys) == (
        "rnnkit: error: --top-k -1: expected an integer >= 1")
    for bad in ("2.5", "2.0", "two", "1e2"):  # one form of line for every K that is no count (argparse had its own)
        assert refused(["predict", str(out), "--top-k", bad, "good"], capsys) == (
            f"rnnkit: error: --top-k {bad}: expected an integer >= 1")
    assert "--threshold 0.5: applies only to a multi-label model, or with a top k (--top-k K)" in refused(
        ["predict", str(out), "--threshold", "0.5", "good"], capsys)
    assert "--threshold 0.0: expected a probability between 0 and 1" in refused(
        ["predict", str(multi[0]), "--threshold", "0", "gravy"], capsys)  # 0 only with --top-k
    conll = make_conll(tmp_path / "t.conll", 20, 0)
    tagger = tmp_path / "tagger"
    assert main(["train", "tag", "--data", str(conll), "--out", str(tagger), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress", "--json"]) == 0
    for argv in (["--top-k", "2", "a b"], ["--file", str(conll), "--top-k", "1"], ["--top-k=3", "a"]):
        assert refused(["predict", str(tagger), *argv], capsys).startswith(
            "rnnkit: error: --top-k: not a flag of `rnnkit predict` for a tag model")


def test_threshold_zero_without_top_k_names_the_flag_it_needs(multi: tuple[Path, Path],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """0 is a threshold only with a top k; predict's refusal of a bare 0 says so (it read as if 0 were never
    one), in one line; evaluate, which has no --top-k, does not point at it."""
    out, valid = multi
    line = refused(["predict", str(out), "--threshold", "0", "gravy"], capsys)
    assert line.startswith("rnnkit: error: --threshold 0.0: expected a probability between 0 and 1 (exclusive)")
    assert "0 only with a top k (--top-k K" in line and "\n" not in line
    ml = rnnkit.load(out)
    for zero in (0, 0.0, np.float32(0)):
        with pytest.raises(SettingError, match=r"0 only with a top k \(top_k=K\): the K most probable"):
            ml.predict(["gravy"], threshold=zero)
        with pytest.raises(SettingError, match=r"0 only with a top k"):
            ml.predict_file(str(valid), threshold=zero)
    with pytest.raises(SettingError) as other:
        ml.predict(["gravy"], threshold=1)  # only 0 is one with a top k
    assert "top k" not in str(other.value)
    assert "top" not in refused(["evaluate", str(out), "--data", str(valid), "--threshold", "0"], capsys)


def test_cli_standard_input_reads_fasttext_lines_as_file_does(multi: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``cat cooking.valid | rnnkit predict DIR --file - --top-k 2`` (fastText's ``predict model.bin - 2``)
    ranks the same labels as ``--file cooking.valid``: the lines' __label__ marks are no words of the texts
    (they were read as words, so each text was another text)."""
    import io

    out, valid = multi
    lines = valid.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(valid), "--top-k", "2", "--threshold", "0", "--json"]) == 0
    want = [(r["text"], r["predicted_labels"]) for r in map(json.loads, capsys.readouterr().out.splitlines())]
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["predict", str(out), "--file", "-", "--top-k", "2", "--threshold", "0", "--json"]) == 0
    got = [(r["text"], r["labels"]) for r in map(json.loads, capsys.readouterr().out.splitlines())]
    assert got == want and not any("__label__" in text for text, _ in got)
    monkeypatch.setattr("sys.stdin", io.StringIO("__label__sauce gravy\n__label__cheese __label__sauce\n"))
    line = refused(["predict", str(out), "--file", "-"], capsys)
    assert line.startswith("rnnkit: error: --file -: a line holds labels and no text") and "\n" not in line


def test_single_label_top_k_takes_a_threshold(single: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """fastText's ``predict FILE k threshold`` on a softmax model: at most k labels, each at least the threshold;
    the label beside them stays the most probable one, whatever the cut."""
    out, _ = single
    clf = rnnkit.load(out)
    probs = clf.probabilities(TEXTS)
    for cut in (0.0, 0.2, 0.4, 0.9):
        got = clf.predict(TEXTS, top_k=2, threshold=cut)
        for r, p in zip(got, probs, strict=True):
            ranked = [clf.labels[i] for i in torch.sort(p, descending=True, stable=True).indices.tolist()]
            assert r["labels"] == [lab for lab in ranked if float(p[clf.labels.index(lab)]) >= cut][:2]
            assert r["label"] == ranked[0]
    least = int(probs.max(1).values.argmin())  # the least sure text: a cut above its best label leaves it none
    cut = float(probs[least].max()) + 1e-4
    assert cut < 1 and clf.predict(TEXTS[least], top_k=3, threshold=cut)["labels"] == []
    assert main(["predict", str(out), "--top-k", "3", "--threshold", "0.2", "--json", TEXTS[0]]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == clf.predict(TEXTS[0], top_k=3, threshold=0.2)["labels"]
    assert "--threshold 0.5: applies only to a multi-label model; this one" in refused(
        ["evaluate", str(out), "--data", str(single[1]), "--threshold", "0.5"], capsys)  # evaluate has no --top-k


def test_predicting_earlier_output_again_replaces_its_columns(single: tuple[Path, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A file ``rnnkit predict --top-k`` wrote, predicted again without ``--top-k`` (or by a model with other
    labels), loses the earlier ``predicted_labels`` and ``p_*`` columns: they were copied through and stood stale
    beside the new ones. The user's own columns stay, ``p_value`` among them when no prediction was there."""
    out, texts = single
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert main(["predict", str(out), "--file", str(texts), "--top-k", "2", "--output", str(first)]) == 0
    with first.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows = [{"id": str(i), **r, "p_gone": "0.5"} for i, r in enumerate(rows)]  # a label of another model
    with first.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["predict", str(out), "--file", str(first), "--output", str(second)]) == 0
    with second.open(encoding="utf-8", newline="") as f:
        again = list(csv.DictReader(f))
    assert list(again[0]) == ["id", "text", "predicted_label", "p_neg", "p_neu", "p_pos"]
    assert [r["predicted_label"] for r in again] == [r["label"] for r in rnnkit.load(out).predict(TEXTS)]
    user = tmp_path / "user.csv"
    user.write_text('text,p_value\n"good great film",0.01\n', encoding="utf-8")
    assert rnnkit.load(out).predict_file(str(user))[0] == ["text", "p_value", "predicted_label", "p_neg", "p_neu",
                                                            "p_pos"]


def test_a_users_own_column_named_as_a_prediction_is_refused_and_nothing_written(
        single: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 'p_pos' of the file's own (no predicted_label beside it) was written over by the model's probability:
    its values were lost from the output without a word. One line naming the file and the column; the file as it
    was, no --output written."""
    user, written = tmp_path / "user.csv", tmp_path / "out.csv"
    user.write_bytes(b'text,p_pos\r\n"good great film",0.01\r\n')
    assert main(["predict", str(single[0]), "--file", str(user), "--output", str(written)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"{user}: column 'p_pos'" in err and "rename" in err
    assert user.read_bytes() == b'text,p_pos\r\n"good great film",0.01\r\n' and not written.exists()


def test_an_earlier_prediction_never_takes_the_text_or_label_column_read(single: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    """The columns read (``keep``) stay, even named like a probability column ('p_body'); without a
    ``predicted_label(s)`` column nothing is an earlier prediction."""
    from rnnkit.tasks._text import earlier_prediction

    again = tmp_path / "again.csv"
    again.write_text('p_body,predicted_label,p_neg\n"good great film",neg,0.9\n', encoding="utf-8")
    columns, rows = rnnkit.load(single[0]).predict_file(str(again), text_column="p_body")
    assert columns == ["p_body", "predicted_label", "p_neg", "p_neu", "p_pos"]
    assert rows[0]["p_body"] == "good great film"

    columns = ["p_body", "p_tag", "predicted_labels", "p_neg", "id"]
    assert earlier_prediction(columns, keep=("p_body", "p_tag")) == {"predicted_labels", "p_neg"}
    assert earlier_prediction(["p_body", "p_neg"], keep=("p_body",)) == set()
def test_txt_file_with_marks_after_its_first_line_reads_as_standard_input_does(multi: tuple[Path, Path],
                                                                               tmp_path: Path) -> None:
    """A ``.txt`` file to predict whose first line has no ``__label__`` mark but later lines do is fastText's
    format still (its lines may lack labels): the marks are taken out of the texts, as ``--file -`` and fastText's
    ``predict`` take them out, where they were read as words of the texts."""
    out, _ = multi
    path = tmp_path / "mixed.txt"
    path.write_text("melted gruyere on toast\n__label__sauce gravy for the roast\nbread __label__bread rye\n",
                    encoding="utf-8")
    clf = rnnkit.load(out)
    _, rows = clf.predict_file(str(path))
    assert [r["text"] for r in rows] == ["melted gruyere on toast", "gravy for the roast", "bread rye"]
    assert [r["label"] for r in rows] == [[], ["sauce"], ["bread"]]
    assert [r["predicted_labels"] for r in rows] == [r["labels"] for r in clf.predict([r["text"] for r in rows])]
    plain = tmp_path / "plain.txt"
    plain.write_text("melted gruyere on toast\ngravy for the roast\n", encoding="utf-8")
    assert clf.predict_file(str(plain))[0][0] == "text"  # no marks: one text a line, as before


def test_a_single_label_model_keeps_its_label_separator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A single-label model trained with ``--label-separator ';'`` (every cell one label) joins its ``--top-k``
    labels by ';' and reads an evaluated cell 'pos;neg' as two labels, refused by name: without the separator
    the cells were joined by ',' and 'pos;neg' was an unknown label."""
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "".join(f"{WORDS[lab].split()[i % 2]} film {i % 5},{lab}\n"
                                             for i in range(30) for lab in [list(WORDS)[i % 3]]), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--tokenizer", "word",
                 "--layers", "0", "--pooling", "mean", "--embedding", "8", "--label-separator", ";", "--no-progress",
                 "--json"]) == 0
    clf = rnnkit.load(out)
    assert not clf.multi_label and clf.label_separator == ";"
    path = tmp_path / "p.csv"
    assert main(["predict", str(out), *TEXTS, "--top-k", "2", "--output", str(path)]) == 0
    with open(path, encoding="utf-8", newline="") as fh:
        cells = [r["predicted_labels"] for r in csv.DictReader(fh)]
    assert cells == [";".join(r["labels"]) for r in clf.predict(TEXTS, top_k=2)]
    both = tmp_path / "both.csv"
    both.write_text("text,label\ngood film,pos;neg\n", encoding="utf-8")
    assert "2 labels ('pos', 'neg'), but this model gives one label a text" in refused(
        ["evaluate", str(out), "--data", str(both)], capsys)


def test_a_single_label_model_keeps_a_fasttext_files_label_one_string(single: tuple[Path, Path]) -> None:
    """Predicting a fastText file, a single-label model copies each line's label through as it is ('neg'), as a
    CSV's row holds it; only a multi-label model's rows list their labels."""
    clf = rnnkit.load(single[0])
    _, rows = clf.predict_file(clf.config["data"]["train"])
    assert [r["label"] for r in rows[:4]] == ["neg", "neu", "pos", "neg"]
