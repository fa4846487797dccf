"""Gaps the mutation audit (round 14) of rnnkit.data.folders found: a new folder under folders that do not exist
yet, an ``out`` that is neither a file nor a folder, one that cannot be made, and one that appears meanwhile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.data.folders import new_folder
from rnnkit.errors import UserError


def test_a_new_folder_is_made_under_folders_that_do_not_exist_yet(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "corpus"
    with new_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith(".corpus.tmp-")
        (tmp / "x.txt").write_text("x\n")
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus"]
    assert (out / "x.txt").read_text() == "x\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_named_as_no_folder(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(UserError, match=r"pipe: exists and is not a folder \(a device or a pipe\); choose a new "
                                        r"--out$"), new_folder(pipe):
        pass


@pytest.mark.parametrize("under", ["file", "file/sub"], ids=["beside-a-file", "under-a-file"])
def test_a_folder_that_cannot_be_made_is_named_as_the_out_given(tmp_path: Path, under: str) -> None:
    """A file where a folder must be: 'File exists' for its parent, 'Not a directory' deeper, both one line."""
    (tmp_path / "file").write_text("x\n")
    out = tmp_path / under / "corpus"
    with pytest.raises(UserError, match=f"{under}/corpus: cannot write \\(.+\\)$"), new_folder(out):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_folder_that_appears_meanwhile_is_kept_and_the_new_files_removed(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    with pytest.raises(OSError), new_folder(out) as tmp:
        (tmp / "x.txt").write_text("x\n")
        out.mkdir()
        (out / "theirs.txt").write_text("y\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]
    assert sorted(p.name for p in out.iterdir()) == ["theirs.txt"]


def test_an_error_in_the_block_leaves_an_empty_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    out.mkdir()
    with pytest.raises(ValueError, match="boom"), new_folder(out) as tmp:
        assert tmp.parent == out
        (tmp / "x.txt").write_text("x\n")
        raise ValueError("boom")
    assert list(out.iterdir()) == []
