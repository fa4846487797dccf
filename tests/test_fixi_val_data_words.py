"""An empty validation data is refused in one wording wherever it is given (fixi): the flag said "the validation
data (a file or folder as --data is)" and a config file's ``val_data`` "(a file or folder as data is)";
:data:`rnnkit.train.provenance.VALIDATION_DATA` is both, the flag's line adding what leaving it out does."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.checkpoint import load_checkpoint
from rnnkit.train.options import load_config_file
from rnnkit.train.provenance import data_sources

SAID = "an empty name; expected the validation data (a file or folder, as the data is)"


def test_the_flag_and_the_config_file_say_an_empty_validation_data_alike(tmp_path: Path) -> None:
    with pytest.raises(UserError) as refused:
        data_sources(None, "train.csv", " ", "--data FILE is required")
    assert str(refused.value) == f"--val-data ' ': {SAID}, or no --val-data for a split of --data"
    config = tmp_path / "c.toml"
    config.write_text('val_data = " "\n', encoding="utf-8")
    with pytest.raises(UserError) as refused:
        load_config_file(config, {"val_data"})
    assert str(refused.value) == f"{config}: val_data = ' ': {SAID}"


def test_a_config_file_names_the_validation_data_of_a_task_that_takes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``val_data = "v.csv"`` in a classifier's config file was 'unknown setting', though the file may name the
    data and the folder, and CONFIG_PATHS checked it as a path; it is the validation data now, and --val-data wins
    over it, as every flag does. A task without --val-data (the character LM) still has no such setting."""
    table, val, config = tmp_path / "d.csv", tmp_path / "v.csv", tmp_path / "c.toml"
    table.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                     encoding="utf-8")
    val.write_text("text,label\nw1 x2,a\nw3 x1,b\n", encoding="utf-8")
    config.write_text(f'val_data = "{val}"\n', encoding="utf-8")
    flags = ["train", "classify", "--data", str(table), "--layers", "0", "--pooling", "mean", "--embedding", "4",
             "--steps", "1", "--no-progress", "--config", str(config)]
    assert main([*flags, "--out", str(tmp_path / "a")]) == 0
    assert load_checkpoint(tmp_path / "a").config["data"]["val"] == str(val)
    assert main([*flags, "--out", str(tmp_path / "b"), "--val-data", str(table)]) == 0
    assert load_checkpoint(tmp_path / "b").config["data"]["val"] == str(table)
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(table), "--out", str(tmp_path / "c"), "--config", str(config)]) == 2
    assert f"{config}: unknown setting 'val_data'" in capsys.readouterr().err
