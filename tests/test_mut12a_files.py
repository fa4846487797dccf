"""Gaps the mutation audit of rnnkit.files found."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from rnnkit import files
from rnnkit.errors import UserError
from rnnkit.files import blocked_line, file_in_the_way, output_file, output_name, unwritable_folder, written


def test_the_folder_to_make_itself_may_be_the_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("")
    assert file_in_the_way(tmp_path / "out") == tmp_path / "out"


def _old_leftover(path: Path, pid: int) -> Path:
    leftover = path.with_name(f".{path.name}.{pid}-0123abcd.tmp")
    leftover.write_text("half")
    os.utime(leftover, (1.0, 1.0))
    return leftover


def test_a_writer_we_may_not_signal_or_no_process_id_counts_as_running(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user's writer (kill says 'not permitted') on this machine keeps its file, however old; so does a
    name whose number is no process id at all."""
    path = tmp_path / "out.txt"
    huge = _old_leftover(path, 2**70)
    theirs = _old_leftover(path, 4242)

    real_kill = os.kill

    def not_permitted(pid: int, sig: int) -> None:
        if pid == 4242:
            raise PermissionError(1, "Operation not permitted")
        real_kill(pid, sig)

    monkeypatch.setattr(files.os, "kill", not_permitted)
    with written(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new" and huge.exists() and theirs.exists()


def test_an_error_naming_the_temporary_file_second_names_the_target(tmp_path: Path) -> None:
    """``os.replace(source, tmp)`` failing names ``tmp`` as its second file name."""
    path = tmp_path / "out.txt"
    with pytest.raises(UserError) as info, written(path) as tmp:
        raise OSError(errno.EACCES, "Permission denied", "source.txt", None, str(tmp))
    assert str(info.value) == f"{path}: cannot write (Permission denied)"


def test_a_folder_is_left_to_the_rename_to_refuse(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(IsADirectoryError), written(folder) as tmp:
        tmp.write_text("x")
    assert folder.is_dir() and os.listdir(tmp_path) == ["out"]


def test_a_folder_or_an_empty_name_is_no_output_name(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--png '': an empty name; expected the name of a PNG file to write$"):
        output_name("", "--png", "a PNG file")
    with pytest.raises(UserError, match=f"^--png {re.escape(str(tmp_path))}: is a folder; expected the name of a PNG "):
        output_name(tmp_path, "--png", "a PNG file")
    with pytest.raises(UserError, match=f"^{re.escape(str(tmp_path))}: Is a directory$"):
        output_name(tmp_path)


def test_an_output_files_folders_are_made(tmp_path: Path) -> None:
    with output_file(tmp_path / "a" / "b" / "c.txt") as tmp:
        tmp.write_text("x")
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "x"


@pytest.mark.parametrize(("code", "said"), [(errno.EDQUOT, "Disk quota exceeded"), (errno.EFBIG, "File too large")])
def test_a_quota_or_size_limit_while_writing_names_the_target(tmp_path: Path, code: int, said: str) -> None:
    path = tmp_path / "out.txt"
    with pytest.raises(UserError, match=f"^{re.escape(str(path))}: cannot write \\({said}\\)$"), written(path):
        raise OSError(code, said)


def test_the_unwritable_folder_is_the_nearest_existing_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "new" / "sub" / "c.png"
    assert unwritable_folder(target) is None  # folders still to make are no refusal
    monkeypatch.setattr(files.os, "access", lambda path, mode: Path(path) != tmp_path)  # root writes anywhere
    assert unwritable_folder(target) == tmp_path


def test_the_blocked_line_names_the_path_asked_for_when_it_is_not_the_blocker(tmp_path: Path) -> None:
    blocker = tmp_path / "a"
    assert blocked_line(blocker, blocker) == f"{blocker}: is a file, where a folder is needed"
    assert blocked_line(blocker, blocker / "b") == f"{blocker}: is a file, where a folder is needed for {blocker / 'b'}"
