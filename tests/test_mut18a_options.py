"""rnnkit.train.options: the settings a run's others leave unused (GIVEN_ONLY_WITH), a --config file's settings,
and how resolve_settings merges flags, the file, a resumed run's saved settings and the defaults (mutation
audit round 18)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from rnnkit.errors import SettingError, UserError
from rnnkit.train.options import add_trainer_arguments, load_config_file, resolve_settings


def settings(argv: list[str], defaults: dict[str, Any] | None = None,
             saved: dict[str, Any] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    return resolve_settings(parser.parse_args(argv), defaults or {}, saved)


@pytest.mark.parametrize(("argv", "refusal"), [
    (["--optimizer", "adam", "--momentum", "0.5"], "momentum 0.5: is SGD's momentum; --optimizer adam does not use it"),
    (["--optimizer", "rmsprop", "--momentum", "0.5"], "momentum 0.5: is SGD's momentum; --optimizer rmsprop does not "
                                                      "use it"),
    (["--optimizer", "rmsprop", "--beta2", "0.9"], "beta2 0.9: is Adam's and AdamW's second-moment decay; --optimizer "
                                                   "rmsprop does not use it"),
    (["--schedule", "linear", "--gamma", "0.1"], "gamma 0.1: applies to --schedule step and plateau only, not linear")])
def test_a_setting_of_another_optimizer_or_schedule_is_refused(argv: list[str], refusal: str) -> None:
    with pytest.raises(SettingError, match=f"^{refusal}$"):
        settings(argv)


@pytest.mark.parametrize("argv", [
    ["--optimizer", "sgd", "--momentum", "0.5"], ["--optimizer", "adam", "--beta2", "0.9"],
    ["--optimizer", "adamw", "--beta2", "0.9"], ["--schedule", "plateau", "--gamma", "0.1"],
    ["--schedule", "step", "--gamma", "0.1", "--step-every", "5"]])
def test_the_same_setting_where_it_is_used_is_taken(argv: list[str]) -> None:
    got = settings(argv)
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        assert str(got[flag[2:].replace("-", "_")]) == value


def test_a_config_file_with_unknown_settings_names_the_first_in_order(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("zeta = 1\nalpha = 2\nsteps = 3\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"c.toml: unknown setting 'alpha'; expected one of lr, steps$"):
        load_config_file(tmp_path / "c.toml", {"steps", "lr"})


def test_every_setting_given_is_checked_not_only_the_first() -> None:
    """``--gamma`` (used by the step schedule) named before ``--momentum`` (unused by AdamW) does not hide it."""
    with pytest.raises(SettingError, match="^momentum 0.5: is SGD's momentum"):
        settings(["--schedule", "step", "--gamma", "0.1", "--momentum", "0.5"])


def test_each_setting_a_config_file_gives_is_marked_as_the_files(tmp_path: Path) -> None:
    """A bad value of a --config file is named by its line in the file (:func:`rnnkit.cli.main`), whichever of the
    file's settings it is: ``args.from_config`` holds every one, not only the last read."""
    (tmp_path / "c.toml").write_text("steps = 5\nlr = 0.01\nhidden = 8\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    args = parser.parse_args(["--config", str(tmp_path / "c.toml"), "--lr", "0.1"])
    got = resolve_settings(args, {"hidden": 16})
    assert (got["steps"], got["lr"], got["hidden"]) == (5, 0.1, 8)
    assert args.from_config == {"steps", "hidden"}
