"""Mutation audit round 25 of the stray word's refusal (rnnkit.cli._data_from): an empty data value (``--data=``, a
``--config`` file's ``data = ""``) gives no data, as training reads it, which leaves a resumed run its own data
(`train classify --resume run --data= --steps 5` trains on the run's files), so a stray word beside ``--resume``
is no forgotten ``--data``."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import cli

FORGOTTEN = "stray.csv: `rnnkit train classify` reads its data from --data FILE (--data stray.csv)"
RESUMED = "its data comes from the run that --resume run continues"


def _err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["train", "classify", *argv, "stray.csv"]) == 2
    return capsys.readouterr().err


def _config(tmp_path: Path, data: str) -> str:
    config = tmp_path / "c.toml"
    config.write_text(f'data = "{data}"\n', encoding="utf-8")
    return str(config)


def test_an_empty_data_flag_leaves_a_resumed_run_its_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert RESUMED in _err(["--resume", "run", "--data="], capsys)
    assert RESUMED in _err(["--data", "", "--config", _config(tmp_path, "t.csv"), "--resume", "run"], capsys)


def test_an_empty_config_data_leaves_a_resumed_run_its_data(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert RESUMED in _err(["--config", _config(tmp_path, ""), "--resume", "run"], capsys)


def test_without_a_resumed_run_an_empty_value_is_the_forgotten_data(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The empty --data wins over the config's data (training says "--data FILE is required")."""
    assert FORGOTTEN in _err(["--data=", "--config", _config(tmp_path, "t.csv")], capsys)
    assert FORGOTTEN in _err(["--config", _config(tmp_path, "")], capsys)


def test_a_blank_data_or_resume_value_is_quoted(capsys: pytest.CaptureFixture[str]) -> None:
    """A blank --data is a name training reads (a file ' '); it and an empty --resume read "comes from --data  ;"
    and "the run that --resume  continues", the value unseen."""
    assert "its data comes from --data ' ';" in _err(["--data", " "], capsys)
    assert "its data comes from the run that --resume '' continues" in _err(["--resume="], capsys)


def test_a_config_data_that_is_no_string_gives_no_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Training refuses ``data = 5`` ('expected a path (a string)'): it names no data, so the resumed run's is it."""
    config = tmp_path / "c.toml"
    config.write_text("data = 5\n", encoding="utf-8")
    assert RESUMED in _err(["--config", str(config), "--resume", "run"], capsys)
    assert FORGOTTEN in _err(["--config", str(config)], capsys)


def test_a_data_flag_last_without_its_value_gives_none_though_an_earlier_one_had_one() -> None:
    """argparse keeps the last --data and refuses it for its missing value: the earlier a.csv is not the data."""
    assert cli._flag_value(["--data", "a.csv", "stray.csv", "--data"], {"--data": True}, "--data") is None
