"""Gaps a mutation audit of round 28 found in a ``--config`` file's blank paths and budgets in minutes (fixg's
``CONFIG_PATHS`` names, ``TrainSettings.BUDGETS`` and ``errors.check_minutes``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.options import load_config_file

CHARLM = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
          "--steps", "1", "--no-progress"]


def test_a_blank_val_data_is_named_as_the_validation_data(tmp_path: Path) -> None:
    """Each path of a config file says what it names: val_data's line said 'expected the data to read' of it
    survived, no test reading val_data's words."""
    config = tmp_path / "c.toml"
    config.write_text('val_data = " "\n', encoding="utf-8")
    with pytest.raises(UserError) as refused:
        load_config_file(config, {"val_data"})
    assert str(refused.value) == (f"{config}: val_data = ' ': an empty name; expected the validation data (a file "
                                  "or folder, as the data is)")


def test_an_empty_path_of_a_config_file_is_left_for_the_flag_to_fill(tmp_path: Path) -> None:
    """``data = ""`` is a template's empty slot that ``--data`` fills (as before fixg): only a name of blanks is
    refused as an empty name (refusing "" too took a config that trains)."""
    config = tmp_path / "c.toml"
    config.write_text('data = ""\nout = ""\n', encoding="utf-8")
    assert load_config_file(config, {"data", "out"}) == {"data": "", "out": ""}


@pytest.mark.parametrize(("value", "expected"), [("-1", "a finite number > 0"), ("inf", "a finite number > 0"),
                                                 ("false", "a number")])
def test_a_char_lm_s_minutes_of_a_config_file_is_checked_as_the_flag(
        value: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every task's ``minutes`` (TrainSettings.BUDGETS), not only classify's and experiment's: with no budget
    listed, ``minutes = -1`` trained a char LM. A bool is no number, in check_type's words (a check of minutes that
    took a bool for a number said 'finite number > 0' of ``false``)."""
    config, out = tmp_path / "c.toml", tmp_path / "out"
    config.write_text(f"minutes = {value}\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("abcdefgh \n" * 300, encoding="utf-8")
    assert main([*CHARLM, "--data", str(tmp_path / "t.txt"), "--out", str(out), "--config", str(config)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {config}: minutes = {value}: expected {expected}\n"
    assert not out.exists()
