"""fixs: a classifier's and a tagger's ``evaluate`` on the very file they trained on gave their scores unsaid, as
though of unseen text; only a translator's warned (walk53). They now warn alike, through the same helper
(``rnnkit.train.provenance.warn_trained_on``), and point to ``--split val`` where the run held part of the file out;
the held-out side itself, and another file, are not warned of."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROWS = "text,label\n" + "good film,pos\nbad film,neg\nfine story,pos\ndull story,neg\n" * 5
CONLL = "John\tB-PER\nvisited\tO\nParis\tB-LOC\n\nMary\tB-PER\nleft\tO\n\n" * 3


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("clf")
    (tmp / "train.csv").write_text(ROWS, encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp / "train.csv"), "--out", str(tmp / "run"), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    return tmp / "run"


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory, tiny_tagger) -> Path:  # noqa: ANN001
    return tiny_tagger(tmp_path_factory.mktemp("tagger"), CONLL)


def _said(call) -> list[str]:  # noqa: ANN001
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if "trained on" in str(w.message)]


@pytest.mark.parametrize(("kind", "doing", "unit", "copy"), [
    ("classifier", "classifies", "texts", ROWS.replace("good film", "good films")),
    ("tagger", "tags", "sentences", CONLL.replace("Paris", "Rome"))])
def test_evaluate_on_the_training_file_warns_once(request: pytest.FixtureRequest, tmp_path: Path, kind: str,
                                                  doing: str, unit: str, copy: str) -> None:
    run = request.getfixturevalue(kind)
    trained = run.parent / ("train.csv" if kind == "classifier" else "train.conll")
    model = rnnkit.load(run)
    said = _said(lambda: model.evaluate(str(trained)))
    assert said == [f"{trained} is the data the model at {model.checkpoint.path} trained on (its data): the scores "
                    f"then measure what it has learnt, not how it {doing} text it has not seen; give held-out {unit}, "
                    "or split val (the part the run held out)"]
    assert _said(lambda: model.evaluate(str(trained), split="val")) == []  # the held-out side: not trained on
    other = tmp_path / trained.name
    other.write_text(copy, encoding="utf-8")
    assert _said(lambda: model.evaluate(str(other))) == []


def test_the_command_line_says_it_once_as_a_warning(classifier: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trained = classifier.parent / "train.csv"
    assert main(["evaluate", str(classifier), "--data", str(trained)]) == 0
    err = capsys.readouterr().err
    at = rnnkit.load(classifier).checkpoint.path
    assert err.count(f"rnnkit: warning: {trained} is the data the model at {at} trained on (its --data)") == 1
    assert "give held-out texts, or --split val (the part the run held out)" in err
