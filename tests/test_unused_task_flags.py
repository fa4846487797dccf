"""A task's setting that another of its settings leaves unused is refused by name (exit 2, nothing written): the
tagger's spelling encoder with ``--char-dim 0``, the captioner's augmentation without ``--augment``, the language
model's counts without its memory. Each trained as if not given, unsaid."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError

SPELLING = "applies to the encoder of each word's spelling, which --char-dim 0 turns off"
AUGMENT = "applies with --augment only: give --augment too"
COUNTS = "mixes the text's counts into the memory, which --no-memory turns off"


@pytest.mark.parametrize(("argv", "refusal"), [
    (["tag", "--char-dim", "0", "--char-hidden", "10"], f"--char-hidden 10: {SPELLING}"),
    (["tag", "--char-dim", "0", "--char-encoder", "cnn"], f"--char-encoder cnn: {SPELLING}"),
    (["caption", "--augment-rotate", "10"], f"--augment-rotate 10.0: {AUGMENT}"),
    (["caption", "--augment-scale", "0.2"], f"--augment-scale 0.2: {AUGMENT}"),
    (["caption", "--augment-shift", "0.1"], f"--augment-shift 0.1: {AUGMENT}"),
    (["caption", "--augment-elastic", "0.05"], f"--augment-elastic 0.05: {AUGMENT}"),
    (["charlm", "--no-memory", "--config", "{toml}"], f"{{toml}}: counts = true: {COUNTS}")])
def test_a_setting_the_others_leave_unused_is_refused(argv: list[str], refusal: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text("counts = true\n", encoding="utf-8")
    argv = [a.format(toml=tmp_path / "c.toml") for a in argv]
    assert main(["train", *argv, "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "r"),
                 "--steps", "1"]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {refusal.format(toml=tmp_path / 'c.toml')}\n"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv", [
    ["tag", "--char-dim", "20", "--char-hidden", "10", "--char-encoder", "cnn"],
    ["tag", "--char-hidden", "10"],
    ["caption", "--augment", "--augment-rotate", "10", "--augment-elastic", "0.05"],
    ["charlm", "--no-memory", "--no-counts"]])
def test_the_same_setting_where_it_is_used_is_taken(argv: list[str], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Taken: the run goes on to read --data (absent here), and is refused for that instead."""
    assert main(["train", *argv, "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "r"),
                 "--steps", "1"]) == 2
    assert str(tmp_path / "absent") in capsys.readouterr().err


@pytest.mark.parametrize(("task", "settings", "refusal"), [
    ("tag", {"char_dim": 0, "char_hidden": 10},
     "char_hidden 10: applies to the encoder of each word's spelling, which char_dim=0 turns off"),
    ("caption", {"augment_shift": 0.1}, "augment_shift 0.1: applies with augment=True only: give augment=True too"),
    ("charlm", {"memory": False, "counts": True},
     "counts True: mixes the text's counts into the memory, which memory=False turns off")])
def test_fit_refuses_them_too_in_pythons_words(task: str, settings: dict[str, object], refusal: str,
                                               tmp_path: Path) -> None:
    with pytest.raises(SettingError) as caught:
        rnnkit.fit(task, str(tmp_path / "absent"), tmp_path / "r", steps=1, verbose=False, **settings)
    assert str(caught.value) == refusal
    assert not (tmp_path / "r").exists()
