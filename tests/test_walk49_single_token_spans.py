"""IOBES or BILUO tags whose spans are all one token long (``S-PER``, ``U-LOC``: a Korean name is one word) are
span tags: ``rnnkit evaluate`` printed no span line and no span keys, unsaid, and ``--keep-by span_f1`` was refused,
because a span tag set had to hold a ``B-`` or ``I-`` tag. The span counts are checked against walk39's scorer
written from conlleval's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.spans import is_span_tagset
from tests.test_walk39_span_schemes import conlleval_counts

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "2", "--hidden", "4", "--embedding", "4", "--char-dim", "2", "--char-hidden", "2",
        "--no-progress", "--threads", "1"]
SENTENCES = [[("김민수", "S-PER"), ("씨는", "O"), ("서울에", "S-LOC"), ("갔다", "O")],
             [("Anna", "S-PER"), ("left", "O"), ("Norvik", "S-LOC")]]


@pytest.mark.parametrize("tags", [["O", "S-PER", "S-LOC"], ["U-PER", "O"], ["S-PER", "O", "E-LOC"]])
def test_one_token_spans_are_a_span_tag_set(tags: list[str]) -> None:
    assert is_span_tagset(tags)


def test_evaluate_scores_one_token_spans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "ner.conll"
    data.write_text("".join("".join(f"{w}\t{t}\n" for w, t in s) + "\n" for s in SENTENCES * 4), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", "tag", "--data", str(data), "--out", str(run), "--keep-by", "span_f1", *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run / "best"), "--data", str(data), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.splitlines()[-1])
    true = [[t for _, t in s] for s in SENTENCES * 4]
    assert main(["predict", str(run / "best"), "--file", str(data), "--output", str(tmp_path / "p.jsonl")]) == 0
    pred = [json.loads(line)["tags"] for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (scores["correct_spans"], scores["true_spans"], scores["pred_spans"]) == conlleval_counts(true, pred)
    assert scores["true_spans"] == 16
