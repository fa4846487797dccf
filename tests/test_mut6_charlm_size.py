"""The character language model's size from its budget (rnnkit.tasks._charlm_size): edges the other tests left
open, found by a mutation audit; every number is worked by hand from the rules in the docstrings."""

from __future__ import annotations

import pytest

from rnnkit.tasks import _charlm_size
from rnnkit.tasks.charlm import CharLMConfig, planned_chars, planned_passes


def test_the_planned_characters_count_every_batch_of_an_accumulated_update() -> None:
    """--accumulate 3 reads three batches an update: 10 updates of 4 streams x 16 characters read 1,920."""
    config = CharLMConfig(steps=10, minutes=None, batch_size=4, seq_len=16, accumulate=3)
    assert planned_chars(config) == 10 * 4 * 16 * 3
    assert planned_passes(config, 960) == 2.0


def test_without_a_limit_there_are_no_planned_characters_and_one_pass() -> None:
    config = CharLMConfig(steps=None, minutes=None)
    assert planned_chars(config) is None
    assert planned_passes(config, 1000) == 1.0


def test_two_layers_start_at_exactly_the_deep_model_chars_and_passes() -> None:
    deep, passes = _charlm_size.DEEP_MODEL_CHARS, _charlm_size.DEEP_MODEL_PASSES
    assert (deep, passes) == (24_000_000, 16)
    assert _charlm_size.auto_layers(deep, 16.0) == 2
    assert _charlm_size.auto_layers(deep, 15.99) == 1
    assert _charlm_size.auto_layers(deep - 1, 100.0) == 1
    assert _charlm_size.auto_layers(None, 100.0) == 1


@pytest.mark.parametrize("passes, dropout", [(8.0, 0.0), (8.01, 0.1), (11.3, 0.15), (32.0, 0.25)])
def test_auto_dropout_by_hand(passes: float, dropout: float) -> None:
    """0.1 x log2(passes / 4), rounded to two places, none up to 8 passes, at most 0.25."""
    assert _charlm_size.auto_dropout(passes) == dropout


def test_without_a_limit_the_size_is_the_default_and_the_line_says_no_limit(capsys: pytest.CaptureFixture[str]) -> None:
    """No --steps nor --minutes: nothing planned, so 1 x 384, no dropout, and the line says so (it divided the
    planned characters, None, by a million)."""
    config = CharLMConfig(steps=None, minutes=None)
    _charlm_size._choose_size(config, 900_000, 66, 16, verbose=True)
    assert (config.layers, config.hidden, config.dropout, config.weight_drop) == (1, 384, 0.0, 0.0)
    assert "charlm: 1 layer, hidden 384, dropout 0 (no limit)" in capsys.readouterr().err


def test_the_layers_follow_the_passes_of_the_streams_read_not_of_the_batch_size() -> None:
    """24,000 updates of 16 streams (of --batch-size 32) x 64 characters read 24.6 M characters, 12.3 passes over
    2 M: past the deep model's characters but short of its 16 passes, so one layer, 512 wide (at 32 streams the
    passes would be 24.6 and the model 2 x 384)."""
    config = CharLMConfig(steps=24_000, minutes=None, batch_size=32, seq_len=64, dropout=0.0)
    _charlm_size._choose_size(config, 2_000_000, 66, 16, verbose=False)
    assert (config.layers, config.hidden) == (1, 512)
