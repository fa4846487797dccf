"""Mutation round 37: ``CharLM.score`` reads the Paths of a tuple as it does a list's, and a tuple holding
something else is named a tuple in the refusal (the texts read in place of the Paths keep the container's kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks._charlm_trained import CharLM

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> CharLM:
    tmp = tmp_path_factory.mktemp("lm")
    (tmp / "c.txt").write_text("the cat sat on the mat\n" * 10, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp / "c.txt"), "--out", str(tmp / "lm"), "--steps", "1",
                 "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-progress",
                 "--json"]) == 0
    return rnnkit.load(tmp / "lm")


def test_a_tuple_s_paths_are_read_in_their_place(lm: CharLM, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("the mat", encoding="utf-8")
    first, second = lm.score(("the cat", path))
    assert first["text"] == "the cat" and second["file"] == str(path)
    assert second["log_prob"] == lm.score("the mat")["log_prob"]


def test_a_tuple_holding_a_number_is_named_a_tuple(lm: CharLM, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("the mat", encoding="utf-8")
    with pytest.raises(TypeError, match=r"not a tuple holding"):
        lm.score((path, 3))  # type: ignore[arg-type]
