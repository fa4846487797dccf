"""A ``--config`` file's blank path and its ``minutes = nan`` (fixg): named by the flag, or in another wording than
the flag's, where every other bad value of a config file is named by the file and its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

CHARLM = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
          "--steps", "1", "--no-progress"]


@pytest.mark.parametrize(("line", "flags", "message"), [
    # said "--data ' ': an empty name", a flag the user never gave
    ('data = " "', ["--out", "OUT"], "c.toml: data = ' ': an empty name; expected the data to read"),
    # trained into a folder named " " and said "model in  "
    ('out = " "', ["--data", "t.txt"], "c.toml: out = ' ': an empty name; expected the folder to write the model to"),
])
def test_a_blank_path_of_a_config_file_is_named_by_the_file_and_its_key(
        line: str, flags: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.txt").write_text("abcdefgh \n" * 300, encoding="utf-8")
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    assert main([*CHARLM, "--config", "c.toml", *flags]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "t.txt"]  # nothing written, no folder " "


def test_a_blank_out_flag_is_refused_not_made_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``--out " "`` (a variable holding a space) trained into a folder named " "."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.txt").write_text("abcdefgh \n" * 300, encoding="utf-8")
    assert main([*CHARLM, "--data", "t.txt", "--out", " "]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --out ' ': an empty name; expected the folder to write the "
                                       "model to\n")
    assert not (tmp_path / " ").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
@pytest.mark.parametrize(("command", "first"), [
    (["experiment", "--out", "OUT"], 'experiment = "adding"\nsteps = 1\n'),
    (["train", "classify", "--data", "x.tsv", "--out", "OUT"], ""),
    (["train", "classify", "--data", "x.tsv", "--out", "OUT", "--pretrain-data", "t.txt"], ""),
])
def test_minutes_of_a_config_file_is_said_in_the_minutes_flag_s_words(
        command: list[str], first: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``minutes = nan`` said "expected a number" (nan is one), -1 "expected a number of minutes > 0", and
    ``pretrain_minutes = -1`` "expected a positive number", where ``--minutes nan`` says "expected a finite
    number > 0, got nan"."""
    key = "pretrain_minutes" if "--pretrain-data" in command else "minutes"
    config = tmp_path / "c.toml"
    config.write_text(f"{first}{key} = {value}\n", encoding="utf-8")
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    assert main([*argv, "--config", str(config)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {config}: {key} = {value}: expected a finite number > 0\n"
    assert not (tmp_path / "out").exists()
