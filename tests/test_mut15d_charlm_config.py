"""Gaps a mutation audit of :mod:`rnnkit.tasks._charlm_config` found (round 15): each check of
``CharLMConfig.validate`` (its message and its edge), the recorded form of ``init_from``, what a resumed
run keeps and a checkpoint whose ``model`` is not an object."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import SettingError, UserError
from rnnkit.tasks._charlm_config import FROZEN, CharLMConfig, _model_kwargs


@pytest.mark.parametrize(("settings", "message"), [
    ({"embed_dim": 0}, "embed_dim 0: expected a positive integer"),
    ({"shift": 0, "memory": False}, "shift 0: expected 1 to --seq-len (64)"),
    ({"shift": 65, "memory": False}, "shift 65: expected 1 to --seq-len (64)"),
    ({"dropout": 1.0}, "dropout 1.0: expected a number from 0 to below 1"),
    ({"val_fraction": 1.0}, "val_fraction 1.0: expected a number from 0 to below 1"),
    ({"memory": 1}, "memory 1: expected true or false"),
    ({"counts": "no"}, "counts 'no': expected true or false"),
    ({"shift": 32}, "shift 32: overlapping windows would read the text twice into the memory; give --no-memory "
                    "with --shift"),
])
def test_validate_names_the_setting_out_of_range(settings: dict, message: str) -> None:
    with pytest.raises(SettingError) as err:
        CharLMConfig(**settings).validate()
    assert str(err.value) == message


@pytest.mark.parametrize("settings", [{"shift": 64, "memory": False}, {"shift": 1, "memory": False},
                                      {"shift": 64}, {"dropout": 0.0, "val_fraction": 0.0}])
def test_validate_takes_the_edges(settings: dict) -> None:
    CharLMConfig(**settings).validate()


def test_init_from_is_kept_as_an_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert CharLMConfig.kept_form("init_from", "rk_lm") == os.path.join(str(tmp_path), "rk_lm")
    assert CharLMConfig.kept_form("init_from", None) is None and CharLMConfig.kept_form("out", "rk_lm") == "rk_lm"


def test_a_resumed_run_keeps_the_memory_and_the_counts() -> None:
    assert {"memory", "counts", "shift", "embed_dim", "init_from"} <= set(FROZEN)


def test_a_checkpoint_whose_model_is_not_an_object_is_refused() -> None:
    ckpt = SimpleNamespace(path="run/best", config={"model": ["lstm"]})
    with pytest.raises(UserError, match=r'^run/best/config.json: "model" must be an object'):
        _model_kwargs(CharLMConfig(), ckpt)
    ckpt.config = {"model": {"cell": "gru", "vocab_size": 9}}
    assert _model_kwargs(CharLMConfig(), ckpt) == {"cell": "gru"}
