"""Mutation round 37: the loss and count units of the closing lines, ``info`` and ``report``.

``rnnkit train tag``'s own closing line (``tag.report``) says its loss per token, not per text (the shared
report's default); a unit a Trainer of one's own counts in (``unit="img"``) is said as given, not as "items"."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks import tag
from rnnkit.train.trainer import TrainResult
from rnnkit.wording import counted_unit


def test_the_taggers_closing_line_says_nats_per_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    best = {"loss": 0.3282, "accuracy": 0.875}
    result = TrainResult(best_metric=0.3282, best_step=200, metric="loss", steps=255, seconds=11.2, tokens=8000,
                         tokens_per_s=720.0, stopped="steps", out_dir=tmp_path, last_eval=best, best_eval=best)
    tag.report(result, False)
    assert capsys.readouterr().out.startswith("best validation loss 0.3282 nats/token at step 200, ")


def test_a_unit_of_ones_own_is_said_as_given() -> None:
    assert counted_unit({"unit": "img"}) == "img"
