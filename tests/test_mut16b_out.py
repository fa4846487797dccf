"""Gaps a second mutation audit of :mod:`rnnkit.tasks._out` found (round 16): what ``results_folder`` (the
``--out`` of ``rnnkit experiment`` and ``rnnkit diagnose``) says of an empty --out, of a file and of a pipe,
which earlier result and which folder in the way it names; that it refuses an --out inside a run's last/, leaves
no lock when it refuses, takes away the folders it made when the work fails at once, and leaves a report.html
alone when there are no results to replace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks._out import results_folder

FILES = ("a.json", "b.md", "c.png")


def test_an_empty_out_and_a_file_name_every_result_expected(tmp_path: Path) -> None:
    """--out '' and --out FILE are refused naming the files the folder is for, 'a, b and c'."""
    with pytest.raises(UserError) as empty:
        with results_folder("", FILES, "an experiment's", overwrite=False):
            pass
    assert str(empty.value) == "--out '': expected a directory for a.json, b.md and c.png"
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(UserError) as file:
        with results_folder(tmp_path / "f", FILES, "an experiment's", overwrite=False):
            pass
    assert str(file.value) == f"--out {tmp_path / 'f'}: is a file; expected a directory for a.json, b.md and c.png"
    os.mkfifo(tmp_path / "pipe")  # nor a named pipe: anything there that is not a folder
    with pytest.raises(UserError, match=r"pipe: is a file; expected a directory for "):
        with results_folder(tmp_path / "pipe", FILES, "an experiment's", overwrite=False):
            pass


def test_the_first_earlier_result_and_the_folder_in_the_way_are_named(tmp_path: Path) -> None:
    """An --out holding earlier results is refused naming the first of them (in the order of the files); with
    --overwrite, a folder where a result goes is refused by its own name, not the first result's."""
    for name in ("b.md", "c.png"):
        (tmp_path / name).write_text("earlier", encoding="utf-8")
    with pytest.raises(UserError, match=r"already holds an experiment's b\.md; give another --out"):
        with results_folder(tmp_path, FILES, "an experiment's", overwrite=False):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.md", "c.png"]  # refused before the lock: no .lock
    (tmp_path / "c.png").unlink()
    (tmp_path / "c.png").mkdir()
    with pytest.raises(UserError) as refused:
        with results_folder(tmp_path, FILES, "an experiment's", overwrite=True):
            pass
    assert str(refused.value) == (f"--out {tmp_path}: c.png is a folder, not an experiment's file; --overwrite "
                                  "replaces only files: move it away or give another --out")
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == "earlier"


def test_an_out_inside_a_runs_resume_checkpoint_is_refused(tmp_path: Path) -> None:
    """--out RUN/last/results: the next save of that run's resume checkpoint would take the results with it:
    refused in one line, nothing made there."""
    (tmp_path / "run" / "last").mkdir(parents=True)
    (tmp_path / "run" / "last" / "optimizer.safetensors").write_text("{}", encoding="utf-8")
    out = tmp_path / "run" / "last" / "results"
    with pytest.raises(UserError) as refused:
        with results_folder(out, FILES, "an experiment's", overwrite=False):
            pass
    assert str(refused.value) == (f"--out {out}: is inside the run's resume checkpoint (last/), which every save "
                                  "replaces; give another --out")
    assert not out.exists()


def test_a_failure_at_once_leaves_no_folder_it_made(tmp_path: Path) -> None:
    """The work failing before it wrote anything: --out and the folders above it that were made for it are gone
    again, with the lock file; a folder that was there is kept."""
    with pytest.raises(RuntimeError):
        with results_folder(tmp_path / "new" / "out", FILES, "an experiment's", overwrite=False) as out:
            assert out.is_dir()
            raise RuntimeError("failed")
    assert list(tmp_path.iterdir()) == []


def test_a_report_page_without_results_is_left_alone(tmp_path: Path) -> None:
    """A report.html in an --out with none of the results (a page the user put there, or the results moved
    away) is no earlier run's to remove: kept, with or without --overwrite."""
    (tmp_path / "report.html").write_text("mine", encoding="utf-8")
    for overwrite in (False, True):
        with results_folder(tmp_path, FILES, "an experiment's", overwrite=overwrite):
            pass
        assert (tmp_path / "report.html").read_text(encoding="utf-8") == "mine"
