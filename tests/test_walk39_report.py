"""``rnnkit report`` of a named-entity tagger, as ``rnnkit evaluate`` scores it: a tag the model does not know is
refused naming its line (the report said only the file, where evaluate names file, line and column), and the page
gives the span precision, recall and F1 (conlleval's) that evaluate prints (it gave token scores only, so the
figure a NER user reads first was missing from the page)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SENTENCES = [[("John", "B-PER"), ("Smith", "I-PER"), ("lives", "O"), ("here", "O")],
             [("Mary", "B-PER"), ("sat", "O"), ("John", "B-PER"), (".", "O")]]


def conll(sentences: list[list[tuple[str, str]]]) -> str:
    return "\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences) + "\n"


def write(path: Path, sentences: list[list[tuple[str, str]]]) -> Path:
    path.write_text(conll(sentences), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, tiny_tagger: Callable[[Path, str], Path]) -> Path:
    return tiny_tagger(tmp_path_factory.mktemp("ner"), conll(SENTENCES * 4))


def test_report_names_the_line_of_a_tag_the_model_does_not_know(run: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    test = write(tmp_path / "test.conll", [SENTENCES[0], [("Paris", "B-LOC"), ("sat", "O")]])
    capsys.readouterr()
    assert main(["report", str(run), "--data", str(test), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert f"{test}:6: column 2 (tag): tag 'B-LOC' is not one the model knows" in err
    assert main(["evaluate", str(run), "--data", str(test)]) == 2
    assert capsys.readouterr().err == err  # evaluate's own words


def test_report_gives_evaluates_span_scores(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = write(tmp_path / "test.conll", SENTENCES + [[("Smith", "I-PER"), ("John", "B-PER"), ("sat", "O")]])
    assert main(["evaluate", str(run), "--data", str(test), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["report", str(run), "--data", str(test), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    found = re.search(r"spans \(conlleval\): precision ([0-9.]+), recall ([0-9.]+), F1 ([0-9.]+) "
                      r"\((\d+) correct of (\d+) true, (\d+) predicted\)", page)
    assert found is not None
    assert [float(v) for v in found.groups()[:3]] == [
        pytest.approx(scores[k], abs=5e-5) for k in ("span_precision", "span_recall", "span_f1")]
    assert [int(v) for v in found.groups()[3:]] == [scores[k] for k in ("correct_spans", "true_spans", "pred_spans")]
    assert scores["true_spans"] == 5  # John Smith; Mary, John; Smith (I- after O opens one), John (B-)
