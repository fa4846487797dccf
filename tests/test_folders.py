"""A generated corpus appears whole or not at all (rnnkit.data.folders.new_folder), in a new folder, in an
empty one, in the working directory itself and through a link, and leaves nothing when interrupted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.data.folders import new_folder
from rnnkit.errors import UserError


def write(out: str | Path, fail: bool = False) -> None:
    with new_folder(out) as tmp:
        (tmp / "a.txt").write_text("a\n")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text("b\n")
        if fail:
            raise KeyboardInterrupt


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("where", ["new", "empty", "dot", "link"])
def test_the_files_appear_whole_and_the_folder_stays_the_folder_it_was(tmp_path: Path, where: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "target"
    if where != "new":
        target.mkdir()
    inode = target.stat().st_ino if target.exists() else None
    out: str | Path = target
    if where == "dot":
        monkeypatch.chdir(target)
        out = "."
    elif where == "link":
        (tmp_path / "link").symlink_to(target)
        out = tmp_path / "link"
    write(out)
    assert listing(target) == ["a.txt", "sub", "sub/b.txt"]
    if inode is not None:   # `--out .` or a link: the shell's folder is not swapped for another
        assert target.stat().st_ino == inode
    if where == "link":
        assert (tmp_path / "link").is_symlink()


@pytest.mark.parametrize("where", ["new", "empty"])
def test_an_interrupted_corpus_leaves_nothing(tmp_path: Path, where: str) -> None:
    target = tmp_path / "target"
    if where == "empty":
        target.mkdir()
    with pytest.raises(KeyboardInterrupt):
        write(target, fail=True)
    assert listing(tmp_path) == ([] if where == "new" else ["target"])


def test_a_used_folder_or_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.txt").write_text("x\n")
    (tmp_path / "file").write_text("x\n")
    for name, what in (("used", "not empty"), ("file", "a file")):
        with pytest.raises(UserError, match=what):
            write(tmp_path / name)
    assert listing(tmp_path) == ["file", "used", "used/old.txt"]
    assert os.listdir(tmp_path / "used") == ["old.txt"]
