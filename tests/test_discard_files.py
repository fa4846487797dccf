"""``--overwrite`` and the clean-up of a crashed save remove what they replace also when it is a file, not a folder:
a user's file named ``best`` (refused without ``--overwrite``, replaced with it) was renamed to a hidden
``.best.tmp-discarded`` that ``shutil.rmtree`` could not remove, and every later run left it there."""

from __future__ import annotations

from pathlib import Path

from rnnkit.train.checkpoint import clean_leftovers, discard_run


def test_overwrite_removes_a_file_named_best_and_leaves_nothing_hidden(tmp_path: Path) -> None:
    (tmp_path / "best").write_text("the user's notes\n")
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "model.safetensors").write_bytes(b"x")
    discard_run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_leftover_file_of_a_crashed_discard_is_cleaned_up(tmp_path: Path) -> None:
    (tmp_path / ".best.tmp-discarded").write_text("left by an earlier version\n")
    (tmp_path / ".last.tmp-1234").mkdir()
    removed = clean_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == [".best.tmp-discarded", ".last.tmp-1234"]
    assert list(tmp_path.iterdir()) == []
