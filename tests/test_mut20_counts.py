"""Counts said alike: a tagger's evaluation of one token says it in the singular (the line of words unseen in
training, the confusion matrix's title), and translate --output counts the sources, not the lines it wrote
(mutation audit round 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks import _text
from tests import test_consist19_output as out19
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")
runs = out19.runs  # a tiny tagger and translator


def one_unseen_token(folder: Path) -> Path:
    (folder / "one.conll").write_text("dog\tNN\n\n", encoding="utf-8")
    return folder / "one.conll"


def test_one_unseen_token_is_said_in_the_singular(runs: dict[str, Path], tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["evaluate", str(runs["tag"]), "--data", str(one_unseen_token(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "accuracy on words unseen in training" in out and out.count("(1 token)") == 2, out


def test_the_confusion_matrix_of_one_token_is_titled_in_the_singular(runs: dict[str, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    titles = []
    monkeypatch.setattr(_text, "confusion_png", lambda report, png, title: titles.append(title))
    rnnkit.load(runs["tag"]).evaluate(str(one_unseen_token(tmp_path)), png=tmp_path / "c.png")
    assert titles == ["tag: one.conll (1 token)"]


def test_translate_output_of_several_hypotheses_counts_the_sources(runs: dict[str, Path], tmp_path: Path,
                                                                   capsys) -> None:
    """--n-best 2 writes two lines a source: the line says the sources translated, not the lines."""
    (tmp_path / "src.txt").write_text("3 March 1999\n1 May 2000\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    capsys.readouterr()
    assert main(["translate", str(runs["seq2seq"]), "--file", str(tmp_path / "src.txt"), "--beam", "2", "--n-best",
                 "2", "--output", str(target)]) == 0
    assert uncut(capsys.readouterr().err) == f"wrote the translations of 2 sources to {target}\n"
    assert len(target.read_text().splitlines()) == 4
