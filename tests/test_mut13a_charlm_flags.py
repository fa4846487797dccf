"""Mutation audit, round 13: the flags of ``rnnkit train charlm``, ``rnnkit sample`` and ``rnnkit score``
(:mod:`rnnkit.tasks._charlm_flags`): their defaults are the Python API's, and their values are read as said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main

TEXT = "ALICE:\nThe quick brown fox jumps over the lazy dog.\n\nBOB:\nPack my box with five dozen jugs!\n\n" * 6


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny character model, two updates into its training (sampling needs no skill)."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("charlm13a")
    (root / "text.txt").write_text(TEXT, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "text.txt"), "--out", str(root / "run"), "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "16", "--batch-size", "2", "--steps", "2", "--eval-every", "2",
                 "--no-progress", "--no-memory", "--json"]) == 0
    return root / "run"


def test_sample_without_flags_is_the_apis_sample_with_its_defaults(model: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """500 characters at temperature 0.8, no top-k, top-p 1, no prime: as CharLM.sample() gives them."""
    lm = rnnkit.load(model)
    capsys.readouterr()
    assert main(["sample", str(model), "--seed", "3"]) == 0
    expected = lm.sample(seed=3)
    assert len(expected) == 500
    assert capsys.readouterr().out == expected + ("" if expected.endswith("\n") else "\n")
    assert main(["sample", str(model), "--seed", "3", "--top-k", "2", "--length", "40"]) == 0
    expected = lm.sample(seed=3, top_k=2, length=40)
    assert capsys.readouterr().out == expected + ("" if expected.endswith("\n") else "\n")


def test_sample_without_a_seed_draws_another_text_each_time(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--seed defaults to none: a new seed each run, so two runs differ (help: same seed, same text)."""
    capsys.readouterr()
    texts = set()
    for _ in range(3):
        assert main(["sample", str(model), "--temperature", "5", "--length", "200"]) == 0
        texts.add(capsys.readouterr().out)
    assert len(texts) > 1


def test_train_without_no_memory_keeps_the_memory(model: Path) -> None:
    """--no-memory sets memory off; the model trained with it recorded that."""
    assert json.loads((model / "best" / "config.json").read_text())["settings"]["memory"] is False


@pytest.mark.parametrize(("line", "flag", "value", "kind"), [
    (["score", "some text", "--dynamic"], "--segment", "2.5", "int"),
    (["score", "some text", "--dynamic"], "--dynamic-lr", "fast", "float"),
    (["sample"], "--top-k", "2.5", "int"),
    (["sample"], "--top-p", "most", "float"),
])
def test_a_value_of_another_kind_is_refused_by_the_flag(model: Path, line: list[str], flag: str, value: str, kind: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([line[0], str(model), *line[1:], flag, value])
    assert stopped.value.code == 2
    assert f"argument {flag}: invalid {kind} value: '{value}'" in capsys.readouterr().err
