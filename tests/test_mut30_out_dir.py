"""Mutation round 30 of check_out_dir and new_folder (fixi): each name of :data:`rnnkit.files.LITTER` that the docs
list is looked past (Thumbs.db alone had no test), and a ``best`` that is a dangling link is named as no folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.folders import new_folder
from rnnkit.errors import UserError
from rnnkit.train.trainer import check_out_dir


@pytest.mark.parametrize("name", [".DS_Store", ".ipynb_checkpoints", "Thumbs.db"])  # docs/RELIABILITY.md's three
def test_each_name_of_litter_alone_is_an_empty_folder(tmp_path: Path, name: str) -> None:
    out, corpus = tmp_path / "out", tmp_path / "corpus"
    for folder in (out / "best", corpus):
        folder.mkdir(parents=True)
        (folder / name).write_bytes(b"")
    check_out_dir(out)  # no refusal: best/ holds nothing of the user's
    with new_folder(corpus) as tmp:
        (tmp / "train.tsv").write_text("a\tb\n", encoding="utf-8")
    assert (corpus / "train.tsv").is_file()


def test_a_best_that_is_a_dangling_link_is_said_to_be_no_folder(tmp_path: Path) -> None:
    """``best`` linking to a folder since moved: no folder, and a run's save would swap the link away unsaid."""
    (tmp_path / "best").symlink_to(tmp_path / "moved", target_is_directory=True)
    with pytest.raises(UserError) as refused:
        check_out_dir(tmp_path)
    assert "holds a best that is not a folder (where a run saves its best/ checkpoint)" in str(refused.value)
