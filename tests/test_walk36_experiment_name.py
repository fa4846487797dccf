"""``rnnkit experiment experiments/adding-200.toml --out ...`` (the config file given where the NAME goes, as a
reader of the experiments/ folder types it) was 'unknown experiment ...; expected one of: adding, copy, ...', which
did not say that the file is read with --config; now the refusal says so (walk36)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main


def test_a_config_file_given_as_the_name_is_pointed_to_config(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "experiments/adding-200.toml", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err == ("rnnkit: error: unknown experiment 'experiments/adding-200.toml'; a TOML file of settings is "
                   "read with --config experiments/adding-200.toml\n")
    assert not (tmp_path / "a").exists()


def test_an_unknown_name_still_lists_the_experiments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "sequential-mnist", "--out", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err.endswith("expected one of: adding, copy, pixel-mnist, permuted-pixel-mnist, "
                                            "row-mnist, clockwork-waveform\n")
