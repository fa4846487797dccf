"""An empty validation data is refused in one wording wherever it is given (fixi): the flag said "the validation
data (a file or folder as --data is)" and a config file's ``val_data`` "(a file or folder as data is)";
:data:`rnnkit.train.provenance.VALIDATION_DATA` is both, the flag's line adding what leaving it out does."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.errors import UserError
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
