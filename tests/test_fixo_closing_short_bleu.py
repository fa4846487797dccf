"""``rnnkit train seq2seq`` and ``rnnkit train caption`` closed with ``exact match 1.000, BLEU 0.0`` for short
targets (Korean numbers written without spaces) without a word, where ``rnnkit evaluate`` explains that BLEU is 0
because no output is 4 tokens long (``warn_short_bleu``). The closing line now gives the same warning, once: a BLEU
of 0 beside exact matches can come of nothing else (an exact match is a matched word, so only a 4-gram precision of
no 4-gram at all is 0)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.errors import RnnkitWarning, command_line
from rnnkit.tasks import caption, translate
from rnnkit.tasks._translate_decoding import warn_short_bleu
from rnnkit.train.trainer import TrainResult

REPORTS = {"translation": translate.report, "caption": caption.report}


def _result(tmp_path: Path, exact: float, bleu: float) -> TrainResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    scores = {"loss": 0.1, "exact_match": exact, "bleu": bleu}
    return TrainResult(best_metric=0.1, best_step=40, metric="loss", steps=40, seconds=2.0, tokens=10,
                       tokens_per_s=5.0, stopped="steps", out_dir=tmp_path, last_eval=scores, best_eval=scores)


def _said(report: Callable[[TrainResult, bool], None], result: TrainResult, as_json: bool,
          capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    with command_line():  # as `rnnkit train` prints it: warnings as 'rnnkit: warning:' lines
        report(result, as_json)
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("outputs", sorted(REPORTS))
def test_bleu_0_beside_exact_matches_is_explained_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       outputs: str) -> None:
    out, err = _said(REPORTS[outputs], _result(tmp_path, 1.0, 0.0), False, capsys)
    assert "exact match 1.000, BLEU 0.0" in out
    assert err.count("rnnkit: warning:") == 1
    assert err.startswith(f"rnnkit: warning: BLEU is 0 because no {outputs} is 4 tokens long: sacreBLEU's BLEU")
    with pytest.warns(RnnkitWarning) as said:  # the same words as rnnkit evaluate's
        warn_short_bleu(["일이삼"], 0.0, outputs)
    assert err == f"rnnkit: warning: {said[0].message}\n"
    _, json_err = _said(REPORTS[outputs], _result(tmp_path, 1.0, 0.0), True, capsys)
    assert json_err == err


@pytest.mark.parametrize("exact, bleu", [(0.0, 0.0), (1.0, 35.2)], ids=["no exact match", "a BLEU above 0"])
def test_other_scores_say_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], exact: float,
                                  bleu: float) -> None:
    _, err = _said(translate.report, _result(tmp_path, exact, bleu), False, capsys)
    assert err == ""

