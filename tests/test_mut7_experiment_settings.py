"""Gaps a mutation audit of :mod:`rnnkit.tasks._experiment_settings` found (round 7): each setting at the edges of
its range, and the ``[cell.NAME]`` tables."""

from __future__ import annotations

import pytest

from rnnkit.errors import SEED_MAX, UserError
from rnnkit.tasks._experiment_settings import DATA_SEED, SETTING_KEYS, Settings


def settings(**kw) -> Settings:
    return Settings(**{"experiment": "adding", "cells": ["gru"], "hidden": 4, **kw})


@pytest.mark.parametrize("kw", [
    {"steps": 0}, {"clip": 0.0}, {"clip": None}, {"schedule": "linear"}, {"schedule": "cosine"},
    {"split_seed": 0}, {"split_seed": SEED_MAX - 1}, {"first_seed": SEED_MAX - DATA_SEED - 2},  # seeds 3: S .. S + 2
    {"seeds": 1, "first_seed": SEED_MAX - DATA_SEED}, {"params": 500}, {"threads": 1}, {"minutes": 0.01},
])
def test_a_setting_at_the_edge_of_its_range_is_taken(kw: dict) -> None:
    settings(**kw).validate()


@pytest.mark.parametrize("kw, message", [
    ({"seeds": 0}, "seeds 0: expected a positive integer"),
    ({"length": 0}, "length 0: expected a positive integer"),
    ({"eval_size": 0}, "eval_size 0: expected a positive integer"),
    ({"eval_every": 0}, "eval_every 0: expected a positive integer"),
    ({"batch_size": 0}, "batch_size 0: expected a positive integer"),
    ({"hidden": 0}, "hidden 0: expected a positive integer"),
    ({"hidden": "4"}, "hidden '4'"),
    ({"max_train": 0}, "max_train 0: expected a positive integer"),
    ({"max_test": 0}, "max_test 0: expected a positive integer"),
    ({"params": 0}, "params 0: expected a positive integer"),
    ({"threads": 0}, "threads 0: expected an integer from 1"),
    ({"first_seed": SEED_MAX - DATA_SEED - 1}, "first_seed"),
    ({"perm_seed": SEED_MAX + 1}, "perm_seed"),
    ({"split_seed": SEED_MAX}, "split_seed"),
    ({"split_seed": -1}, "split_seed"),
    ({"steps": -1}, "steps -1: expected 0 or more"),
    ({"minutes": 0}, "minutes 0: expected a finite number > 0"),
    ({"minutes": float("nan")}, "minutes nan"),
    ({"minutes": "5"}, "minutes '5': expected a number"),
    ({"stop_at": "high"}, "stop_at 'high': expected a number"),
    ({"device": "tpu"}, "device 'tpu': expected auto, cpu, cuda or cuda:N"),
    ({"schedule": "step"}, "schedule 'step': expected one of constant, cosine, linear"),
    ({"lr": 0.0}, "lr 0.0: expected a number > 0"),
    ({"clip": -0.5}, "clip -0.5: expected a number >= 0"),
    ({"optimizer": "lion"}, "optimizer 'lion': expected one of sgd, adam, adamw, rmsprop"),
    ({"precision": "fp8"}, "precision 'fp8': expected one of"),
    ({"cells": ["gru", "lstmx"]}, "unknown cell lstmx"),
    ({"cell_overrides": {"grux": {}}}, r"\[cell.grux\]: no such cell"),
])
def test_a_setting_out_of_range_is_refused_by_name(kw: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        settings(**kw).validate()


@pytest.mark.parametrize("over, message", [
    ({"lr": 0.0}, r"^\[cell.gru\] lr 0.0: expected a number > 0"),
    ({"hidden": 0}, r"^\[cell.gru\] hidden 0: expected a positive integer"),
    ({"clip": -1.0}, r"^\[cell.gru\] clip -1.0"),
    ({"optimizer": "lion"}, r"^\[cell.gru\] optimizer 'lion'"),
    ({"precision": "fp8"}, r"^\[cell.gru\] precision 'fp8'"),
    ({"lr": "fast"}, r"^\[cell.gru\] lr 'fast'"),
    ({"layers": 2}, r"^\[cell.gru\]: unknown key\(s\) layers; expected lr, hidden"),
    ({"options": [1]}, r"^\[cell.gru\] options \[1\]: expected a table"),
    ({"options": {"bias_init": "x"}}, r"^\[cell.gru\] options: bias_init 'x': expected a number$"),
    ({"options": {"bias": 1.0}}, r"^\[cell.gru\] options: unexpected keyword argument 'bias'"),
    ({"options": {"init_hh": "nonsense"}}, r"^\[cell.gru\] options: unknown initialiser 'nonsense'"),
])
def test_a_cell_table_out_of_range_is_refused_naming_the_table(over: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        settings(cell_overrides={"gru": over}).validate()


def test_a_cell_table_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(UserError, match=r"^\[cell.gru\]: expected a table of settings, got 3"):
        settings(cell_overrides={"gru": 3}).for_cell("gru")
    with pytest.raises(UserError, match="unknown cell 'grux'"):
        settings().for_cell("grux")


def test_a_cell_table_sets_its_cell_over_the_top_level_and_a_flag_over_both() -> None:
    s = settings(cells=["gru", "irnn"], lr=0.01, clip=2.0,
                 cell_overrides={"irnn": {"lr": 0.5, "clip": 0.0, "options": {"identity_scale": 0.5}}})
    irnn = s.for_cell("irnn")
    assert (irnn["lr"], irnn["clip"], irnn["hidden"]) == (0.5, 0.0, 4)
    assert irnn["options"] == {"identity_scale": 0.5, "input_std": 0.001}  # the table over the cell's preset
    assert (s.for_cell("gru")["lr"], s.for_cell("gru")["options"]) == (0.01, {})
    s.forced = {"lr"}
    assert s.for_cell("irnn")["lr"] == 0.01 and s.for_cell("irnn")["clip"] == 0.0


def test_a_setting_given_as_a_flag_is_not_checked_again_in_the_table_it_overrides() -> None:
    """--lr 0.01 wins over [cell.gru] lr = 0: the table's value is never used, so never refused."""
    s = settings(lr=0.01, cell_overrides={"gru": {"lr": 0.0}}, forced={"lr"})
    s.validate()
    assert s.for_cell("gru")["lr"] == 0.01


def test_setting_keys_are_the_settings_a_user_sets() -> None:
    assert "forced" not in SETTING_KEYS and "cell_overrides" not in SETTING_KEYS and "experiment" not in SETTING_KEYS
    assert {"cells", "seeds", "lr", "params", "split_seed"} <= SETTING_KEYS


def test_under_params_a_cell_is_checked_at_the_size_params_gives_it() -> None:
    """8 clockwork modules do not fit in --hidden 4, but --params 50000 replaces that hidden size: taken."""
    tables = {"clockwork": {"options": {"num_modules": 8}}}
    settings(cells=["clockwork"], params=50_000, cell_overrides=tables).validate()
    with pytest.raises(UserError, match=r"^\[cell.clockwork\] options: clockwork: 8 modules do not fit"):
        settings(cells=["clockwork"], cell_overrides=tables).validate()


@pytest.mark.parametrize("kw, message", [
    ({"hidden": 300_000}, r"^hidden 300000: the model \(a 1-layer GRU of hidden 300000\)"),
    ({"cell_overrides": {"gru": {"hidden": 300_000}}}, r"^\[cell.gru\] hidden 300000: the model"),
    ({"hidden": 300_000, "forced": {"hidden"}, "cell_overrides": {"gru": {"hidden": 300_000}}}, r"^hidden 300000"),
    ({"params": 10**12}, r"^params 1000000000000: the model"),
])
def test_a_model_that_cannot_fit_in_memory_is_refused_naming_what_set_its_size(kw: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        settings(**kw).validate()
