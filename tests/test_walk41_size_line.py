"""What ``rnnkit train charlm`` says it chose for a short run: a run of 30 steps said "1 layer for 0.0 M planned
characters, dropout 0 for 0.0 M characters, about 0.0 passes over the training text", claiming the budget chose
the one layer that ``--hidden`` had fixed, with figures rounded to nothing. It now says what fixed the layer and
gives small budgets in thousands, and the passes to two figures."""

from __future__ import annotations

import pytest

from rnnkit.tasks._charlm_config import CharLMConfig
from rnnkit.tasks._charlm_size import _choose_size


def _said(config: CharLMConfig, capsys: pytest.CaptureFixture[str]) -> str:
    _choose_size(config, 435_485, 37, 8, verbose=True)
    return capsys.readouterr().err


def test_a_short_run_with_hidden_given_says_what_it_chose(capsys: pytest.CaptureFixture[str]) -> None:
    config = CharLMConfig(steps=30, hidden=32, seq_len=32, batch_size=8)   # 30 x 8 x 32 = 7,680 characters
    err = _said(config, capsys)
    assert (config.layers, config.dropout) == (1, 0.0)
    assert "charlm: 1 layer (--hidden given), dropout 0 for 7.7 k characters, about 0.018 passes over the " \
           "training text" in err
    assert "planned" not in err and "0.0 M" not in err


def test_a_budget_that_sizes_the_model_still_says_its_millions(capsys: pytest.CaptureFixture[str]) -> None:
    config = CharLMConfig(steps=1000, seq_len=64, batch_size=16)   # 8 streams read: 512,000 characters
    err = _said(config, capsys)
    assert (config.layers, config.hidden) == (1, 384)
    assert "charlm: 1 layer, hidden 384 for 0.5 M planned characters, dropout 0 for 0.5 M characters, about 1.2 " \
           "passes" in err
