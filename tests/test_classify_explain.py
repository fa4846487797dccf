"""Explanations of a classifier's predictions by occlusion (``rnnkit predict DIR TEXT --explain``,
``TextClassifier.explain``): each word's effect is the label's probability with the text whole minus without it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks._classify_explain import without
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A word bag that learnt the sentiment words of test_classify_cli's texts (two of POS or NEG, two fillers)."""
    tmp = tmp_path_factory.mktemp("explain")
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp / "train.csv", 200, 0)), "--out", str(out),
                 "--steps", "300", "--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--embedding", "16",
                 "--no-progress"]) == 0
    return out


def _log_odds(clf: object, text: str, label: str) -> float:
    """ln(p / (1 - p)) of ``label`` for ``text``, from the model's probabilities (by hand, not its logits)."""
    p = float(clf.probabilities([text])[0, clf.labels.index(label)])  # type: ignore[attr-defined]
    return math.log(p / (1.0 - p))


def test_each_effect_is_the_fall_of_the_labels_log_odds_without_the_word(model: Path) -> None:
    clf = rnnkit.load(model)
    text = "the great film nice"
    r = clf.explain(text, top=10)
    assert r["label"] == "pos"
    assert r["probability"] == pytest.approx(float(clf.probabilities([text])[0, clf.labels.index("pos")]))
    assert sorted(w["word"] for w in r["words"]) == sorted(text.split())
    for w in r["words"]:  # by hand: the text without the word, read by the model itself
        alone = f"{text[:w['start']]}{text[w['end']:]}".replace("  ", " ").strip()
        expected = _log_odds(clf, text, "pos") - _log_odds(clf, alone, "pos")
        assert w["effect"] == pytest.approx(expected, abs=1e-4)
        assert text[w["start"]:w["end"]] == w["word"]
    effects = [w["effect"] for w in r["words"]]
    assert effects == sorted(effects, reverse=True)
    assert {w["word"] for w in r["words"][:2]} == {"great", "nice"}  # the sentiment words, not the fillers


def test_the_top_words_and_another_label(model: Path) -> None:
    clf = rnnkit.load(model)
    r = clf.explain(["bad film awful a", "good"], top=1, label="neg")
    assert [len(x["words"]) for x in r] == [1, 0]  # a text's only word is not left out
    assert r[0]["label"] == "neg" and r[0]["words"][0]["word"] in ("bad", "awful")
    assert r[0]["words"][0]["effect"] > 0
    with pytest.raises(UserError, match="label 'maybe': not one of the model's labels"):
        clf.explain("good film", label="maybe")
    with pytest.raises(SettingError):
        clf.explain("good film", top=0)
    with pytest.raises(UserError, match="empty text"):
        clf.explain("  ")


def test_without_leaves_out_the_word_and_the_spaces_on_one_side() -> None:
    assert without("a  bb c", 3, 5) == "a  c"
    assert without("bb c", 0, 2) == "c" and without("a bb", 2, 4) == "a"


def test_the_command_line(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(model), "the great film nice", "--explain", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("pos") and lines[1].startswith("  why pos (log-odds): ")
    assert {part.split()[0] for part in lines[1].split(": ", 1)[1].split(", ")} == {"great", "nice"}
    assert all(len(part.split()[1].split(".")[1]) == 2 for part in lines[1].split(": ", 1)[1].split(", "))
    assert main(["predict", str(model), "bad awful", "--explain", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["label"] == "neg" and r["explanation"]["label"] == "neg" and len(r["explanation"]["words"]) == 2
    csv = make_csv(tmp_path / "t.csv", 4, 1)
    assert main(["predict", str(model), "--file", str(csv), "--explain"]) == 0  # a file's rows: a column
    assert capsys.readouterr().out.splitlines()[0] == "id,text,label,predicted_label,p_neg,p_pos,explanation"


# ---------------------------------------------------------------- round 9 of the mutation audit
def test_a_label_not_the_most_probable_is_explained_with_its_own_probability(model: Path) -> None:
    clf = rnnkit.load(model)
    r = clf.explain("bad film awful a", top=4, label="pos")
    assert isinstance(r, dict) and r["label"] == "pos" and len(r["words"]) == 4
    pos = clf.labels.index("pos")
    assert r["probability"] == pytest.approx(float(clf.probabilities(["bad film awful a"])[0, pos]))
    assert r["probability"] < 0.5
    against = r["words"][2:]  # the words against 'pos' come last
    assert {w["word"] for w in against} == {"bad", "awful"} and all(w["effect"] < 0 for w in against)


def test_equal_effects_keep_the_order_of_the_text(model: Path) -> None:
    """Leaving out either 'great' gives the same text, so the same effect: the earlier one is listed first."""
    r = rnnkit.load(model).explain("great great film", top=3)
    greats = [w["start"] for w in r["words"] if w["word"] == "great"]
    assert greats == [0, 6]


def test_a_long_text_is_read_in_chunks_alike(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.tasks import _classify_explain

    clf = rnnkit.load(model)
    text = "the great film nice and a bad end"
    whole = clf.explain(text, top=8)
    calls: list[int] = []
    log_odds = clf._log_odds
    monkeypatch.setattr(clf, "_log_odds", lambda texts: calls.append(len(texts)) or log_odds(texts))
    assert clf.explain(text, top=8) == whole and calls == [9]  # the text and its 8 variants at once

    def effects(r: dict) -> dict[str, float]:  # by word: two effects within float32 of 0 may swap places
        return {w["word"]: pytest.approx(w["effect"], abs=1e-5) for w in r["words"]}

    for chunk in (2, 3, 4):
        calls.clear()
        monkeypatch.setattr(_classify_explain, "CHUNK", chunk)
        assert effects(clf.explain(text, top=8)) == effects(whole)  # batches pad alike to within float32
        assert sum(calls) == 9 and max(calls) == chunk


def test_texts_are_checked_as_predicts_are(model: Path) -> None:
    clf = rnnkit.load(model)
    with pytest.raises(TypeError, match="^explain takes a text or a list of texts, not a list holding int"):
        clf.explain(["good film", 5])  # type: ignore[list-item]
    with pytest.raises(UserError, match=r"^texts\[1\] is empty"):
        clf.explain(["good film", " "])
    assert clf.explain([]) == []


def test_the_command_lines_explanation(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(model), "the great film nice", "--explain", "1"]) == 0
    why = capsys.readouterr().out.splitlines()[1]
    assert why.startswith("  why pos (log-odds): ") and why.count(",") == 0
    assert why.split(": ", 1)[1].split()[1].startswith("+")  # the word speaks for the label
    assert main(["predict", str(model), "good"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["predict", str(model), "good", "--explain"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(": (one word: nothing to leave out)")
    assert main(["predict", str(model), "good film", "--explain", "--output", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()[0].endswith(",explanation")
    assert main(["predict", str(model), "good film", "--json"]) == 0
    assert "explanation" not in json.loads(capsys.readouterr().out)


def test_punctuation_stays_with_its_word(model: Path) -> None:
    r = rnnkit.load(model).explain("great, film!", top=5)
    assert sorted((w["word"], w["start"], w["end"]) for w in r["words"]) == [("film!", 7, 12), ("great,", 0, 6)]


@pytest.mark.parametrize("kind", ["binary", "three", "multi-label"])
def test_the_log_odds_are_those_of_the_probabilities(kind: str) -> None:
    """Classifier.log_odds against ln(p / (1 - p)) of its own probabilities, for a sigmoid of two classes, a
    softmax of three and multi-label sigmoids; and where float32 rounds p to 1, the log-odds stay finite."""
    import torch

    from rnnkit.models.classifier import Classifier

    torch.manual_seed(0)
    classes = 2 if kind == "binary" else 3
    clf = Classifier(20, classes, embedding_dim=8, hidden_size=8, num_layers=1, pooling="mean",
                     multi_label=kind == "multi-label").eval()
    ids, lengths = torch.randint(2, 20, (4, 6)), torch.tensor([6, 5, 3, 1])
    with torch.no_grad():
        p = clf.probabilities(ids, lengths).double()
        torch.testing.assert_close(clf.log_odds(ids, lengths), (p / (1 - p)).log(), atol=1e-5, rtol=1e-5)
        clf.head.weight.mul_(1e4)
        assert (clf.probabilities(ids, lengths).max() == 1.0) and torch.isfinite(clf.log_odds(ids, lengths)).all()


# ---------------------------------------------------------------- review rev19d
def test_an_explain_count_out_of_range_is_named_as_given(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--explain 0 was refused as '--top 0', a flag predict does not have (its --top-k looked at fault)."""
    assert main(["predict", str(model), "good film", "--explain", "0"]) == 2
    err = capsys.readouterr().err
    assert "--explain 0: expected an integer >= 1" in err and "--top" not in err


def test_words_past_max_len_have_no_effect(model: Path) -> None:
    """The model reads a text cut to max_len tokens: leaving out a word past the cut changes nothing it reads, so
    its effect is exactly 0 (docs/CLASSIFY.md says so), while the words it reads still count."""
    clf = rnnkit.load(model)
    clf.max_len = 2
    r = clf.explain("great nice bad awful", top=4)
    effects = {w["word"]: w["effect"] for w in r["words"]}
    assert effects["bad"] == 0.0 and effects["awful"] == 0.0
    assert effects["great"] != 0.0 and effects["nice"] != 0.0


@pytest.mark.parametrize("text", ["great\tfilm\nbad", "a\u00a0bb  c\u3000d", " x\t\ty\n", "p\r\nq r"])
def test_leaving_a_word_out_changes_nothing_else(text: str) -> None:
    """Each variant is the text with one stretch cut out, the word and whitespace on one side of it: the other
    characters, tabs, newlines and Unicode spaces as they were (they were all joined into one ' ', a change a
    character model reads)."""
    import re

    for m in re.finditer(r"\S+", text):
        v = without(text, m.start(), m.end())
        cuts = [(a, b) for a in range(m.start() + 1) for b in range(m.end(), len(text) + 1)
                if text[:a] + text[b:] == v and not text[a:m.start()].strip() and not text[m.end():b].strip()]
        assert cuts and v.strip() and m.group() not in v.split(), (text, m.group(), v)


def test_a_text_written_after_explain_is_named_with_the_order_to_use(model: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``--explain`` takes an optional N, so a TEXT after it was read as N: argparse said 'invalid int value'."""
    with pytest.raises(SystemExit) as exc:  # argparse's refusal
        main(["predict", str(model), "--explain", "good film"])
    assert exc.value.code == 2
    assert "'good film' is no number of words; give TEXT arguments before --explain" in capsys.readouterr().err


# ---------------------------------------------------------------- a file's rows (predict --file --explain)
def _pairs(r: dict) -> list[list]:
    """explain()'s words as a file's row holds them: [word, effect] pairs, the effect to within float32 (rows are
    read in batches of other texts' variants, which pad otherwise)."""
    return [[w["word"], pytest.approx(w["effect"], abs=1e-5)] for w in r["words"]]


def _cell_pairs(cell: str) -> list[tuple[str, float]]:
    """A CSV/TSV cell read back as docs/CLASSIFY.md says: split at whitespace into word, effect, word, effect..."""
    parts = cell.split()
    return [(word, float(effect.rstrip(";"))) for word, effect in zip(parts[::2], parts[1::2], strict=True)]


def test_a_files_rows_get_the_words_explain_gives(model: Path, tmp_path: Path) -> None:
    clf = rnnkit.load(model)
    path = make_csv(tmp_path / "t.csv", 6, 3)
    columns, rows = clf.predict_file(str(path), explain=3)
    assert columns == ["id", "text", "label", "predicted_label", "p_neg", "p_pos", "explanation"]
    expected = clf.explain([r["text"] for r in rows], top=3)
    assert [r["explanation"] for r in rows] == [_pairs(e) for e in expected]
    assert [r["predicted_label"] for r in rows] == [e["label"] for e in expected]
    assert all(len(r["explanation"]) == 3 for r in rows)
    assert clf.predict_file(str(path))[0][-1] == "p_pos"  # without explain, no column
    with pytest.raises(SettingError, match="explain"):
        clf.predict_file(str(path), explain=0)


def test_rows_read_in_small_chunks_are_explained_alike(model: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The variants of several rows are read together, CHUNK at a time: chunks that cut a row's variants apart,
    or hold one row each, give the words and effects of one row alone."""
    from rnnkit.tasks import _classify_explain

    clf = rnnkit.load(model)
    path = make_csv(tmp_path / "t.csv", 7, 4)
    whole = clf.predict_file(str(path), explain=4)[1]
    calls: list[int] = []
    log_odds = clf._log_odds
    monkeypatch.setattr(clf, "_log_odds", lambda texts: calls.append(len(texts)) or log_odds(texts))
    for chunk in (1, 3, 5, 256):
        calls.clear()
        monkeypatch.setattr(_classify_explain, "CHUNK", chunk)
        rows = clf.predict_file(str(path), explain=4)[1]
        assert [r["explanation"] for r in rows] == [[[w, pytest.approx(e, abs=1e-5)] for w, e in r["explanation"]]
                                                    for r in whole]
        assert sum(calls) == 7 * 5 and max(calls) == min(chunk, 35)  # each row whole and without each of 4 words
    one = clf.predict_file(str(make_csv(tmp_path / "one.csv", 1, 4)), explain=4)[1]  # the first row alone
    assert one[0]["explanation"] == [[w, pytest.approx(e, abs=1e-5)] for w, e in whole[0]["explanation"]]


def test_the_command_line_writes_the_explanation_column(model: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import csv as csvlib

    clf = rnnkit.load(model)
    path = make_csv(tmp_path / "t.csv", 4, 5)
    with path.open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csvlib.DictReader(f)]
    expected = clf.explain(texts, top=2)
    for name in ("o.csv", "o.tsv", "o.txt"):
        out = tmp_path / name
        assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--output", str(out)]) == 0
        assert "with predicted_label, p_neg, p_pos, explanation to" in capsys.readouterr().err
        with out.open(encoding="utf-8", newline="") as f:
            rows = list(csvlib.DictReader(f, delimiter="\t" if name.endswith(".tsv") else ","))
        for row, e in zip(rows, expected, strict=True):
            assert _cell_pairs(row["explanation"]) == [(w["word"], pytest.approx(w["effect"], abs=0.0051))
                                                       for w in e["words"]]
            assert all(len(p.split()[1].rstrip(";").split(".")[1]) == 2 for p in row["explanation"].split("; "))
    out = tmp_path / "o.jsonl"
    assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--output", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["explanation"] for r in lines] == [_pairs(e) for e in expected]
    assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--json"]) == 0  # standard output
    assert [json.loads(line)["explanation"] for line in capsys.readouterr().out.splitlines()] == [
        _pairs(e) for e in expected]
    out = tmp_path / "texts.csv"  # TEXT arguments with --output: rows too
    assert main(["predict", str(model), *texts[:2], "one", "--explain", "2", "--output", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csvlib.DictReader(f))
    assert [_cell_pairs(r["explanation"]) for r in rows] == [[(w["word"], pytest.approx(w["effect"], abs=0.0051))
                                                              for w in e["words"]] for e in expected[:2]] + [[]]


def test_an_explanation_column_of_the_files_own_is_refused_and_an_earlier_ones_replaced(
        model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own, out = tmp_path / "own.csv", tmp_path / "out.csv"
    own.write_bytes(b"text,explanation\r\ngreat film nice,my note\r\n")
    assert main(["predict", str(model), "--file", str(own), "--explain", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{own}: column 'explanation' has the name of a column predict adds" in err and "rename" in err
    assert "whose p_ columns and explanation are replaced" in err  # not 'p_ columns' alone: explanation too
    assert own.read_bytes() == b"text,explanation\r\ngreat film nice,my note\r\n" and not out.exists()
    assert main(["predict", str(model), "--file", str(own), "--output", str(out)]) == 0  # not asked: the user's
    assert "my note" in out.read_text(encoding="utf-8")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert main(["predict", str(model), "--file", str(make_csv(tmp_path / "t.csv", 3, 6)), "--explain", "1",
                 "--output", str(first)]) == 0
    assert main(["predict", str(model), "--file", str(first), "--explain", "3", "--output", str(second)]) == 0
    with second.open(encoding="utf-8") as f:
        header, *rows = f.read().splitlines()
    assert header == "id,text,label,predicted_label,p_neg,p_pos,explanation"
    assert all(row.count(";") == 2 for row in rows)  # three words each, the earlier one word gone
    assert main(["predict", str(model), "--file", str(first), "--output", str(second)]) == 0  # not asked again
    assert second.read_text(encoding="utf-8").splitlines()[0] == "id,text,label,predicted_label,p_neg,p_pos"


def _bag(multi_label: bool) -> object:
    """A model object whose log-odds are hand-set word weights added up (labels a, b, c; c never passes 0.5):
    each word's effect is its weight, whatever the other words."""
    import torch

    from rnnkit.tasks._classify_trained import TextClassifier

    weights = {"x": (2.0, -1.0, 0.0), "y": (0.5, 3.0, 0.0), "z": (-0.25, 0.0, 0.0), "q;|": (1.5, 0.0, 0.0)}

    def log_odds(texts: list[str]) -> torch.Tensor:
        return torch.tensor([[sum(weights[w][k] for w in t.split()) + b for k, b in enumerate((0.0, -0.1, -5.0))]
                             for t in texts], dtype=torch.float64)

    clf = TextClassifier.__new__(TextClassifier)
    clf.config, clf.labels = {"multi_label": multi_label}, ["a", "b", "c"]
    clf._log_odds = log_odds  # type: ignore[method-assign]
    clf.probabilities = lambda texts: torch.sigmoid(log_odds(texts)).float()  # type: ignore[method-assign]
    return clf


def test_a_multi_label_row_explains_each_label_it_predicts(tmp_path: Path) -> None:
    from rnnkit.tasks._classify_explain import explanation_cell

    path = tmp_path / "t.csv"
    path.write_text("text\nx y z\nz y\nx\nz\n", encoding="utf-8")
    columns, rows = _bag(True).predict_file(str(path), explain=2)  # type: ignore[attr-defined]
    assert columns == ["text", "predicted_labels", "p_a", "p_b", "p_c", "explanation"]
    assert [r["predicted_labels"] for r in rows] == [["a", "b"], ["b", "a"], ["a"], []]
    assert [r["explanation"] for r in rows] == [
        {"a": [["x", 2.0], ["y", 0.5]], "b": [["y", 3.0], ["z", 0.0]]},  # x (-1.00) third for b
        {"b": [["y", 3.0], ["z", 0.0]], "a": [["y", 0.5], ["z", -0.25]]},
        {"a": []}, {}]  # one word: nothing to leave out; no label: nothing to explain
    assert [explanation_cell(r["explanation"]) for r in rows] == [
        "a: x +2.00; y +0.50 | b: y +3.00; z +0.00", "b: y +3.00; z +0.00 | a: y +0.50; z -0.25", "a:", ""]
    single = _bag(False).predict_file(str(path), top_k=2, explain=5)[1]  # type: ignore[attr-defined]
    assert single[0]["predicted_labels"] == ["a", "b"]  # --top-k: the label alone is explained
    assert single[0]["explanation"] == [["x", 2.0], ["y", 0.5], ["z", -0.25]]
    assert explanation_cell(single[0]["explanation"]) == "x +2.00; y +0.50; z -0.25"
    path.write_text("text\nq;| y x\n", encoding="utf-8")  # a word holding the separators reads back alike
    cell = explanation_cell(_bag(False).predict_file(str(path), explain=5)[1][0]["explanation"])  # type: ignore
    assert cell == "x +2.00; q;| +1.50; y +0.50" and _cell_pairs(cell) == [("x", 2.0), ("q;|", 1.5), ("y", 0.5)]


def test_an_ensembles_rows_are_explained_as_its_explain_does(model: Path, tmp_path: Path) -> None:
    """predict --file --explain --ensemble: the rows' words are those of the ensemble's explain() (its mean
    probability's log-odds), not of its first model's."""
    import torch

    clf = rnnkit.load(model)
    other = rnnkit.load(model)
    with torch.no_grad():
        other.model.head.bias.add_(3.0)  # another model: the mean of their probabilities is not the first's
    pair = clf.ensemble(other)
    path = make_csv(tmp_path / "t.csv", 4, 7)
    rows = pair.predict_file(str(path), explain=2)[1]
    texts = [r["text"] for r in rows]
    assert [r["explanation"] for r in rows] == [_pairs(e) for e in pair.explain(texts, top=2)]
    assert [r["explanation"] for r in rows] != [[[w["word"], round(w["effect"], 6)] for w in e["words"]]
                                                for e in clf.explain(texts, top=2)]
    out = tmp_path / "o.jsonl"
    assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--ensemble", str(model),
                 "--output", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["explanation"] for r in lines] == [_pairs(e) for e in clf.ensemble(model).explain(texts, top=2)]


# ---------------------------------------------------------------- review rev20c
def test_a_multi_label_cell_splits_at_each_label_as_the_docs_say(tmp_path: Path) -> None:
    """docs/CLASSIFY.md: the cell splits at each ' | LABEL:' into the labels' pairs, a one-word text's too
    ('b: | a:', which the ' | LABEL: ' it said before, with a space after the colon, did not split)."""
    from rnnkit.tasks._classify_explain import explanation_cell

    path = tmp_path / "t.csv"
    path.write_text("text\ny\nx y z\n", encoding="utf-8")
    rows = _bag(True).predict_file(str(path), explain=2)[1]  # type: ignore[attr-defined]
    cells = [explanation_cell(r["explanation"]) for r in rows]
    assert cells == ["b: | a:", "a: x +2.00; y +0.50 | b: y +3.00; z +0.00"]
    for row, cell in zip(rows, cells, strict=True):
        first, second = row["predicted_labels"]
        head, tail = cell.split(f" | {second}:")
        assert head.startswith(f"{first}:")
        assert {first: _cell_pairs(head[len(first) + 1:]), second: _cell_pairs(tail)} == {
            lab: [tuple(pair) for pair in pairs] for lab, pairs in row["explanation"].items()}


def test_a_cells_two_decimals_are_those_of_the_screens_line(model: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An effect of 0.0049996 reads +0.00 to two decimals; rounded to 6 digits first (0.005) it read +0.01 in the
    CSV/TSV cell, where the screen's line for the same text said +0.00. JSON Lines keeps 6 digits."""
    import csv as csvlib

    import torch

    from rnnkit.tasks._classify_trained import TextClassifier

    weights = {"w": 0.0049996, "v": -0.0149996}  # each word's effect, whatever the others (both labels alike)

    def log_odds(self: object, texts: list[str]) -> torch.Tensor:
        return torch.tensor([[sum(weights.get(w, 0.0) for w in t.split())] * 2 for t in texts], dtype=torch.float64)

    monkeypatch.setattr(TextClassifier, "_log_odds", log_odds)
    assert main(["predict", str(model), "w v", "--explain", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(": w +0.00, v -0.01")
    path = tmp_path / "t.csv"
    path.write_text("text\nw v\n", encoding="utf-8")
    for out in (tmp_path / "o.csv", tmp_path / "o.tsv"):
        assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--output", str(out)]) == 0
        with out.open(encoding="utf-8", newline="") as f:
            row = next(csvlib.DictReader(f, delimiter="\t" if out.suffix == ".tsv" else ","))
        assert row["explanation"] == "w +0.00; v -0.01"
    capsys.readouterr()
    assert main(["predict", str(model), "--file", str(path), "--explain", "2"]) == 0  # standard output
    assert capsys.readouterr().out.splitlines()[1].endswith(",w +0.00; v -0.01")
    out = tmp_path / "texts.csv"
    assert main(["predict", str(model), "w v", "--explain", "2", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[1].endswith(",w +0.00; v -0.01")
    out = tmp_path / "o.jsonl"
    assert main(["predict", str(model), "--file", str(path), "--explain", "2", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["explanation"] == [["w", 0.005], ["v", -0.015]]
    clf = rnnkit.load(model)
    assert clf.predict_file(str(path), explain=2, digits=None)[1][0]["explanation"] == [["w", 0.0049996],
                                                                                          ["v", -0.0149996]]
    with pytest.raises(SettingError, match="digits"):
        clf.predict_file(str(path), digits=-1)


def test_a_tiny_negative_effect_reads_plus_zero_not_minus_zero() -> None:
    """-0.001 to two decimals is zero: the line and the cell said "-0.00", a sign with no effect behind it."""
    from rnnkit.tasks._classify_explain import explanation_cell, explanation_line

    assert explanation_cell([["a", -0.001], ["b", -0.006]]) == "a +0.00; b -0.01"
    line = explanation_line({"label": "pos", "words": [{"word": "a", "effect": -0.004}]})
    assert line == "  why pos (log-odds): a +0.00"
