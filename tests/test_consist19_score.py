"""What `rnnkit score DIR --json` names: the models that answered, as `score` of a translator and every task's
`evaluate` name them (cross-task consistency, round 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def charlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("charlm")
    (root / "text.txt").write_text("the quick brown fox jumps over the lazy dog.\n" * 40, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "text.txt"), "--out", str(root / "run"), "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "1", "--no-progress"]) == 0
    return root / "run"


@pytest.mark.parametrize("given", ["run", "run/best"])
def test_score_json_names_the_models_as_evaluate_does(charlm: Path, given: str, capsys) -> None:
    """`rnnkit score RUN --json` of a charlm said `"model": RUN` (the words given), where a translator's
    `score --json` and every `evaluate --json` give `"models"`, the list of the directories read: a script
    reading `models` got nothing from a character model."""
    capsys.readouterr()
    assert main(["score", str(charlm.parent / given), "the fox", "--json"]) == 0
    got = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert got["models"] == [str(charlm / "best")]
    assert got["model"] == str(charlm.parent / given) and got["results"][0]["text"] == "the fox"
