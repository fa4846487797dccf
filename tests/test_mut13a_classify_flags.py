"""Mutation audit, round 13: the flags of ``rnnkit train classify``, ``rnnkit predict`` and ``rnnkit evaluate``
for a classifier (:mod:`rnnkit.tasks._classify_flags`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main

WORDS = ["good", "great", "fine", "nice", "bad", "awful", "poor", "dull", "film", "plot", "cast", "end"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny word classifier, two updates into its training (explaining needs no skill)."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("classify13a")
    rows = [f"{' '.join(WORDS[(i + j) % 12] for j in range(7))}\t{'pos' if i % 2 else 'neg'}" for i in range(24)]
    (root / "d.tsv").write_text("text\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(root / "d.tsv"), "--out", str(root / "run"), "--steps", "2",
                 "--tokenizer", "word", "--hidden", "4", "--embedding", "4", "--no-progress", "--json",
                 "--label-smoothing", "0.1", "--vocab-size", "50", "--min-count", "1"]) == 0
    return root / "run"


def test_explain_without_a_count_names_five_words(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--explain's N defaults to 5 (its help says so)."""
    capsys.readouterr()
    assert main(["predict", str(model), "good great fine nice bad awful poor", "--explain", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["explanation"]["words"]) == 5


def test_the_training_flags_are_read_as_numbers_of_their_kind(model: Path) -> None:
    """--label-smoothing E is a fraction, --vocab-size and --min-count are counts, as the run records them."""
    settings = json.loads((model / "best" / "config.json").read_text())["settings"]
    assert settings["label_smoothing"] == 0.1
    assert settings["vocab_size"] == 50 and isinstance(settings["vocab_size"], int)
    assert settings["min_count"] == 1 and isinstance(settings["min_count"], int)


def test_a_tokenizer_that_is_none_of_the_four_is_refused_by_the_flag(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """--tokenizer offers its choices (char, word, ngram, bpe) and refuses another word before anything runs."""
    with pytest.raises(SystemExit) as stopped:   # argparse's usage error: exit 2
        main(["train", "classify", "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"), "--tokenizer",
              "words"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --tokenizer: invalid choice: 'words' (choose from" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("flag", "value", "kind"), [("--pretrain-steps", "2.5", "int"), ("--buckets", "1e3", "int"),
                                                     ("--label-smoothing", "some", "float")])
def test_a_count_or_a_fraction_of_another_kind_is_refused_by_the_flag(flag: str, value: str, kind: str, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["train", "classify", "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"), flag, value])
    assert stopped.value.code == 2
    assert f"argument {flag}: invalid {kind} value: '{value}'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
