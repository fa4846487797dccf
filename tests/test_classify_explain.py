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
    assert main(["predict", str(model), "--file", str(csv), "--explain"]) == 2
    assert "--explain: explains TEXT arguments" in capsys.readouterr().err


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

    def effects(r: dict) -> list[tuple[str, float]]:
        return [(w["word"], pytest.approx(w["effect"], abs=1e-5)) for w in r["words"]]

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
    assert main(["predict", str(model), "good film", "--explain", "--output", str(tmp_path / "o.csv")]) == 2
    assert "--explain: explains TEXT arguments" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
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
