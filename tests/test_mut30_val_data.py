"""Mutation round 30 of a --config file's ``val_data`` (fixi): an empty one is a template's empty slot, not an
empty --val-data; an empty --val-data flag (an unset shell variable) is kept for its refusal, not filled from the
file; and a file naming val_data still gives the data that a stray word's refusal points to."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.train.options import add_trainer_arguments, resolve_settings


def val_data_after(tmp_path: Path, toml: str, *argv: str) -> str | None:
    """``args.val_data`` once the settings of a task with --val-data are resolved from ``argv`` and a file ``toml``."""
    (tmp_path / "v.csv").write_text("text,label\na,b\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text(toml, encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    parser.add_argument("--val-data")
    args = parser.parse_args([*argv, "--config", str(tmp_path / "c.toml")])
    resolve_settings(args, {})
    return args.val_data


def test_an_empty_val_data_in_the_file_leaves_the_flag_unset(tmp_path: Path) -> None:
    assert val_data_after(tmp_path, 'val_data = ""\n') is None  # "" was refused as an empty --val-data, not given


def test_an_empty_val_data_flag_is_not_filled_from_the_file(tmp_path: Path) -> None:
    assert val_data_after(tmp_path, f'val_data = "{tmp_path / "v.csv"}"\n', "--val-data", "") == ""


def test_a_stray_word_names_the_data_of_a_file_that_also_names_val_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'data = "{tmp_path / "d.csv"}"\nval_data = "{tmp_path / "v.csv"}"\n', encoding="utf-8")
    assert main(["train", "classify", "word", "--config", str(config)]) == 2
    assert f"{config}: data = " in capsys.readouterr().err
