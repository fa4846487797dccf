"""``rnnkit predict DIR --file test.txt`` of a ``word/TAG`` file (the format ``train tag`` and ``evaluate`` read)
tagged each whole token, tag and all, as a word: ``Anna/B-PER`` came out ``Anna/B-PER/B-PER``, an unseen word tagged
by a spelling that held the gold tag. Its words are tagged now, and its tags left out, as a CoNLL file's are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "2", "--hidden", "4", "--embedding", "4", "--char-dim", "2", "--char-hidden", "2",
        "--no-progress", "--threads", "1"]
SLASH = "Anna/B-PER left/O Norvik/B-LOC ./O\nHugo/B-PER Vance/I-PER joined/O Obrik/B-ORG\n"


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("slash")
    (root / "train.txt").write_text(SLASH * 3, encoding="utf-8")
    assert main(["train", "tag", "--data", str(root / "train.txt"), "--out", str(root / "run"), *TINY]) == 0
    return root


def test_a_word_tag_file_is_tagged_by_its_words(tagger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(tagger / "run" / "best"), "--file", str(tagger / "train.txt"), "--json"]) == 0
    out = capsys.readouterr()
    got = [json.loads(line) for line in out.out.splitlines()]
    assert [g["tokens"] for g in got] == [["Anna", "left", "Norvik", "."], ["Hugo", "Vance", "joined", "Obrik"]] * 3
    assert "read as WORD/TAG tokens" in out.err
    assert main(["predict", str(tagger / "run" / "best"), "Anna left Norvik .", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == got[0]["tags"]


def test_its_output_is_word_tag_lines(tagger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(tagger / "run" / "best"), "--file", str(tagger / "train.txt")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert [tok.rpartition("/")[0] for tok in lines[1].split()] == ["Hugo", "Vance", "joined", "Obrik"]
