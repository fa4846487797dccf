"""rnnkit.train.options.refuse_given_without_use: every training setting a --find-lr range test leaves unread is
named, one given as None is not; an empty --val-data is no validation data beside --val-fraction (mutation audit
round 19)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.train.options import TRAINER_DEFAULTS, refuse_given_without_use
from tests.test_classify_cli import make_csv

SAID = r"^--find-lr runs a learning-rate range test \(100 updates at rates of its own\) and keeps no model: "
UNREAD = {"lr": 0.1, "warmup": 5, "schedule": "plateau", "min_lr_ratio": 0.1, "gamma": 0.5, "plateau_patience": 2,
          "eval_every": 10, "log_every": 10, "save_every": 10, "save_minutes": 5.0, "ema": 0.9, "patience": 3,
          "min_delta": 0.01, "tensorboard": True, "report": True}


def test_every_setting_the_range_test_leaves_is_named() -> None:
    settings = {**TRAINER_DEFAULTS, "find_lr": True, **UNREAD}
    flags = [f"--{name.replace('_', '-')}" for name in UNREAD]
    with pytest.warns(UserWarning, match=SAID + f"{', '.join(flags[:-1])} and --report are not used$"):
        refuse_given_without_use(settings, {"find_lr", *UNREAD})
    with pytest.warns(UserWarning, match=SAID + "--step-every is not used$"):
        refuse_given_without_use({**settings, "schedule": "step", "step_every": 50}, {"find_lr", "step_every"})


def test_a_setting_given_as_none_is_not_named() -> None:
    """``rnnkit.fit(find_lr=True, patience=None)``: no early stopping asked for, nothing left unread."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refuse_given_without_use({**TRAINER_DEFAULTS, "find_lr": True, "patience": None}, {"find_lr", "patience"})


def test_an_empty_val_data_is_refused_as_one_not_taken_for_validation_data(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--val-data ""`` (an unset shell variable) is no validation data: --val-fraction beside it is not blamed."""
    data = make_csv(tmp_path / "d.csv", 24, 0)
    out = tmp_path / "x"
    assert main(["train", "classify", "--data", str(data), "--val-data", "", "--val-fraction", "0.3", "--out",
                 str(out), "--hidden", "4", "--embedding", "4", "--no-progress"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --val-data '': an empty name; expected the validation "
                                              "data")
    assert not out.exists()
