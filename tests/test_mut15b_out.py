"""A gap a mutation audit of :mod:`rnnkit.tasks._out` found (round 15): what ``--overwrite`` does with a link in
the place of an earlier result (``rnnkit experiment`` and ``rnnkit diagnose`` take their ``--out`` so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks._out import results_folder

FILES = ("results.json", "results.md")


def test_overwrite_removes_a_link_to_a_folder_in_the_place_of_a_result_not_the_folder(tmp_path: Path) -> None:
    """A link where results.json goes is a file's place to --overwrite, even a link to a folder: the link is
    removed (the first write would have failed on it), the folder it points to is kept; without --overwrite
    it is refused as an earlier result."""
    from rnnkit.errors import UserError

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("kept\n", encoding="utf-8")
    (out / "results.json").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UserError, match=r"already holds an experiment's results\.json; give another --out"):
        with results_folder(out, FILES, "an experiment's", overwrite=False):
            pass
    with results_folder(out, FILES, "an experiment's", overwrite=True) as folder:
        assert folder == out and not (out / "results.json").is_symlink()
        (out / "results.json").write_text("{}", encoding="utf-8")
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "kept\n"

