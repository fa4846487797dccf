"""fixa's checks of the command line's one-line refusals and of its --json lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import cli


def test_a_stray_word_where_the_config_gives_the_data_names_the_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit train classify --config c.toml stray.csv`, c.toml giving `data = "t.csv"`, was told to add
    `--data stray.csv`, as if nothing gave the data; the word is now an unexpected argument, and the line says
    where the data comes from."""
    monkeypatch.chdir(tmp_path)
    Path("c.toml").write_text('[train]\ndata = "t.csv"\n')
    assert cli.main(["train", "classify", "--config", "c.toml", "stray.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: stray.csv: an unexpected argument; ")
    assert "its data comes from c.toml: data = 't.csv'" in err
    assert "--data stray.csv" not in err


def test_a_stray_word_of_a_resumed_run_is_not_told_to_add_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "classify", "--resume", "run", "stray.csv"]) == 2
    err = capsys.readouterr().err
    assert "its data comes from the run that --resume run continues" in err
    assert "--data stray.csv" not in err


def test_a_stray_word_with_no_data_anywhere_is_the_forgotten_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A config file without `data` (or one that cannot be read) leaves the advice as it was."""
    monkeypatch.chdir(tmp_path)
    Path("c.toml").write_text("steps = 2\n")
    for config in ("c.toml", "missing.toml"):
        assert cli.main(["train", "classify", "--config", config, "t.csv"]) == 2
        assert "reads its data from --data FILE (--data t.csv)" in capsys.readouterr().err
