"""``rnnkit predict DIR --file test.conll`` of a tagged CoNLL file of one sentence holding a tag the model does
not know (a test file's ``B-MISC``): it was read as plain sentences, one a line, so each line's gold tag was tagged
as a word beside its token ('John/B-PER B-PER/I-PER'); now it is read as CoNLL, each token tagged once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, tiny_tagger: Callable[[Path, str], Path]) -> Path:
    sentences = [[("John", "B-PER"), ("Smith", "I-PER"), ("visited", "O"), ("Paris", "B-LOC")]] * 6
    return tiny_tagger(tmp_path_factory.mktemp("ner"),
                       "\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences) + "\n")


def test_one_tagged_sentence_with_an_unknown_tag_is_conll(run: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    test = tmp_path / "one.conll"
    test.write_text("John B-PER\nvisited O\nthe O\nLouvre B-MISC\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(run), "--file", str(test), "--json"]) == 0
    captured = capsys.readouterr()
    (line,) = captured.out.splitlines()
    tagged = json.loads(line)
    assert tagged["tokens"] == ["John", "visited", "the", "Louvre"] and len(tagged["tags"]) == 4
    assert "read as one sentence a line" not in captured.err


def test_plain_sentences_of_equal_length_are_still_plain(run: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Three words a line whose last is once a tag of the model's: still sentences, one a line."""
    plain = tmp_path / "s.txt"
    plain.write_text("Mary met O\nJohn saw Paris\nKim left Seoul\n", encoding="utf-8")
    assert main(["predict", str(run), "--file", str(plain), "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(x)["tokens"] for x in captured.out.splitlines()] == [
        ["Mary", "met", "O"], ["John", "saw", "Paris"], ["Kim", "left", "Seoul"]]
    assert "read as one sentence a line" in captured.err
