"""Explanations of a classifier's predictions by occlusion (``rnnkit predict DIR TEXT --explain``,
``TextClassifier.explain``): each word's effect is the label's probability with the text whole minus without it."""

from __future__ import annotations

import json
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


def test_each_effect_is_the_fall_of_the_labels_probability_without_the_word(model: Path) -> None:
    clf = rnnkit.load(model)
    text = "the great film nice"
    r = clf.explain(text, top=10)
    assert r["label"] == "pos"
    assert r["probability"] == pytest.approx(float(clf.probabilities([text])[0, clf.labels.index("pos")]))
    assert sorted(w["word"] for w in r["words"]) == sorted(text.split())
    for w in r["words"]:  # by hand: the text without the word, read by the model itself
        alone = f"{text[:w['start']]}{text[w['end']:]}".replace("  ", " ").strip()
        expected = r["probability"] - float(clf.probabilities([alone])[0, clf.labels.index("pos")])
        assert w["effect"] == pytest.approx(expected, abs=1e-6)
        assert text[w["start"]:w["end"]] == w["word"]
    effects = [abs(w["effect"]) for w in r["words"]]
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


def test_without_joins_the_spaces_around_the_word() -> None:
    assert without("a  bb c", 3, 5) == "a c"
    assert without("bb c", 0, 2) == "c" and without("a bb", 2, 4) == "a"


def test_the_command_line(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(model), "the great film nice", "--explain", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("pos") and lines[1].startswith("  why pos: ")
    assert {part.split()[0] for part in lines[1].split(": ", 1)[1].split(", ")} == {"great", "nice"}
    assert main(["predict", str(model), "bad awful", "--explain", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["label"] == "neg" and r["explanation"]["label"] == "neg" and len(r["explanation"]["words"]) == 2
    csv = make_csv(tmp_path / "t.csv", 4, 1)
    assert main(["predict", str(model), "--file", str(csv), "--explain"]) == 2
    assert "--explain: explains TEXT arguments" in capsys.readouterr().err
