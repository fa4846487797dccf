"""An empty data value (``--data=``, a ``--config`` file's ``data = ""``) gives no data, as training reads it
("--data FILE is required"): a stray word beside it is the data the user forgot to flag, not a word "whose data
comes from c.toml: data = ''"."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import cli

FORGOTTEN = "stray.csv: `rnnkit train classify` reads its data from --data FILE (--data stray.csv)"


def _err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--data="], ["--data", ""]])
def test_an_empty_data_flag_gets_the_forgotten_data_advice(flag: list[str],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    err = _err(["train", "classify", *flag, "stray.csv"], capsys)
    assert FORGOTTEN in err and "comes from" not in err


def test_an_empty_config_data_gets_the_forgotten_data_advice(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('data = ""\n', encoding="utf-8")
    err = _err(["train", "classify", "--config", str(config), "stray.csv"], capsys)
    assert FORGOTTEN in err and "comes from" not in err


def test_an_empty_data_flag_wins_over_the_config_as_training_reads_it(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('data = "t.csv"\n', encoding="utf-8")
    assert FORGOTTEN in _err(["train", "classify", "--config", str(config), "--data=", "stray.csv"], capsys)
    assert "--data FILE is required" in _err(["train", "classify", "--config", str(config), "--data=",
                                              "--out", str(tmp_path / "o")], capsys)
    err = _err(["train", "classify", "--config", str(config), "stray.csv"], capsys)
    assert "its data comes from" in err and "data = 't.csv'" in err
