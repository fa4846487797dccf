"""A --data that does not exist is said to be missing, for every task alike (cross-task consistency, round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.mark.parametrize(("task", "what"), [
    ("speech", "a speech corpus: a folder that holds manifest.tsv, with the header 'audio<TAB>text'"),
    ("caption", "a captioned-image folder: a folder that holds captions.tsv, with 'image<TAB>caption' lines"),
])
def test_a_corpus_folder_that_does_not_exist_is_said_to_be_missing(tmp_path: Path, capsys, task: str,
                                                                   what: str) -> None:
    """`rnnkit train speech --data corpsu` (a slip in the name) said 'corpsu: not a speech corpus (expected
    corpsu/manifest.tsv ...)', as of a folder that was there, where charlm, classify, tag and seq2seq say
    'no such file' of a --data that is not there."""
    missing = tmp_path / "corpsu"
    assert main(["train", task, "--data", str(missing), "--out", str(tmp_path / "run"), "--steps", "1"]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {missing}: no such folder (expected {what})\n"
    assert not (tmp_path / "run").exists()
