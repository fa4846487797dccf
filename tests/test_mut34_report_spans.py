"""Mutation round 34 on a tagger's report page: the span line only for span tags, each figure in its place, and the
refusal of an unknown tag listing the model's tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError
from rnnkit.metrics import classification_report
from rnnkit.report.classify import _scores_table
from rnnkit.tasks._tag_data import check_model_knows
from tests.test_walk39_report import write

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_span_line_gives_each_figure_in_its_place() -> None:
    report = classification_report([0, 1], [0, 1], ["O", "B-PER"])
    spans = {"span_precision": 0.25, "span_recall": 0.5, "span_f1": 1 / 3, "correct_spans": 1, "true_spans": 2,
             "pred_spans": 4}
    assert ("spans (conlleval): precision 0.2500, recall 0.5000, F1 0.3333 (1 correct of 2 true, 4 predicted)"
            in _scores_table(report, spans))


def test_a_part_of_speech_taggers_page_has_no_span_line(tmp_path: Path) -> None:
    data = write(tmp_path / "pos.conll", [[("John", "NNP"), ("sleeps", "VBZ")], [("Mary", "NNP"), ("sat", "VBD")]] * 4)
    run = tmp_path / "run"
    assert main(["train", "tag", "--data", str(data), "--out", str(run), "--steps", "1", "--hidden", "4",
                 "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1"]) == 0
    assert main(["report", str(run), "--data", str(data), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "accuracy" in page and "spans (conlleval)" not in page


def test_an_unknown_tag_is_refused_listing_the_models_tags(tmp_path: Path) -> None:
    sentences = read_conll(write(tmp_path / "t.conll", [[("Paris", "B-LOC")]]))
    with pytest.raises(UserError, match=r":1: column 2 \(tag\): tag 'B-LOC' is not one the model knows "
                                        r"\(O, B-PER, I-PER\)$"):
        check_model_knows(sentences, ["O", "B-PER", "I-PER"])
